"""File · Zip up: Puts the files you pick into one zip file."""

from __future__ import annotations

from limbs.params import kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="bundle",
    name="Zip up",
    description="Puts the files you pick into one zip file.",
    output="archive",
    needs_intent=False,
    params=(
        string(
            "assets",
            "Files",
            "The ids of the files to zip, separated by commas (the picker fills this in).",
            required=True,
            max_length=4000,
        ),
        string("name", "Zip name", "The name of the zip file.", default="bundle", max_length=80),
    ),
    keywords=kw("zip, bundle, download"),
)
