"""Data: Find your things by what they mean, not just by their name."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="data",
    name="Data",
    category="technical",
    icon="🔎",
    explanation="Find your things by what they mean, not just by their name.",
    colour="#0277bd",
    keywords=kw("data, search, find, look for, similar, semantic, meaning, embed, embedding, vector, lookup"),
    examples=(
        "search for all my fire pictures",
        "search for anything that looks like a cat",
        "find things similar to my dragon",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "embed",
    "search",
)
