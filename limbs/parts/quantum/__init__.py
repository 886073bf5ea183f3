"""Quantum: Make lots of different versions of something, or mix two things together."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="quantum",
    name="Quantum",
    category="creative",
    icon="🎲",
    explanation="Make lots of different versions of something, or mix two things together.",
    colour="#b3245e",
    keywords=kw(
        "variants, versions, alternatives, options, different, lots, many, several, siblings, "
        "contact sheet, mix, blend, hybrid, combine, cross, entangle, mashup"
    ),
    examples=(
        "six different versions of my dragon",
        "lots of options for a treasure chest",
        "mix my cat and my robot into a hybrid",
        "several different alternatives for a magic potion",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "variants",
    "entangle",
)
