"""File · Upload: Brings a file from your computer into the studio, after a safety check."""

from __future__ import annotations

from limbs.params import kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="upload",
    name="Upload",
    description="Brings a file from your computer into the studio, after a safety check.",
    output="data",
    needs_intent=False,
    params=(
        string("label", "Name", "Optional: a name to remember it by.", max_length=120),
        string(
            "tags",
            "Tags",
            "Optional: words to find it by later, separated by commas.",
            max_length=200,
        ),
    ),
    keywords=kw("upload, import, attach, bring"),
)
