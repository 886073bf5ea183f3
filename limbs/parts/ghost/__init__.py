"""Ghost: The helper that always gives you something, even when the internet is asleep."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="ghost",
    name="Ghost",
    category="metaphysical",
    icon="👻",
    explanation="The helper that always gives you something, even when the internet is asleep.",
    colour="#5e35b1",
    keywords=kw(
        "ghost, fallback, fell back, fall back, offline, stabilize, stabilise, introspect, why, "
        "without internet, no internet, emergency"
    ),
    examples=(
        "make a picture even if the internet is offline",
        "why did my request fall back",
        "stabilize my dragon picture",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "stabilize",
    "introspect",
)
