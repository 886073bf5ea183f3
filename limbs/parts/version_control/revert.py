"""Version Control · Go back: Makes an older version the newest one again (nothing is deleted)."""

from __future__ import annotations

from limbs.params import ANY_ASSET, asset, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="revert",
    name="Go back",
    description="Makes an older version the newest one again (nothing is deleted).",
    output="data",
    needs_intent=False,
    params=(
        asset("asset", "File", ANY_ASSET, "The file to roll back."),
        integer(
            "version",
            "Version",
            None,
            1,
            100000,
            "Which version number to go back to.",
            required=True,
        ),
    ),
    keywords=kw("undo, revert, go back, rollback, restore"),
)
