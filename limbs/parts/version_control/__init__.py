"""Version Control: Go back in time, compare changes, or start a new copy of your work."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="version_control",
    name="Version Control",
    category="technical",
    icon="🕰️",
    explanation="Go back in time, compare changes, or start a new copy of your work.",
    colour="#1967c0",
    keywords=kw(
        "undo, revert, go back, rollback, earlier, older, previous, diff, difference, compare, "
        "changed, changes, fork, branch, copy, version control, version history"
    ),
    examples=(
        "undo my last change",
        "compare my two dragons",
        "go back to the older version",
        "fork my castle into a new copy",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "history",
    "diff",
    "revert",
    "fork",
)
