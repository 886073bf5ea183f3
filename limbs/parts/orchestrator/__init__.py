"""Orchestrator: Chain many helpers together, like a recipe, to make a whole set at once."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="orchestrator",
    name="Orchestrator",
    category="metaphysical",
    icon="🎼",
    explanation="Chain many helpers together, like a recipe, to make a whole set at once.",
    colour="#6a1b9a",
    keywords=kw(
        "orchestrate, orchestrator, pipeline, chain, recipe, macro, workflow, dag, volcanic boss, "
        "whole set, starter kit, everything"
    ),
    examples=(
        "the volcanic boss pipeline",
        "a whole set for an ice level: story, enemy, sprite and sounds",
        "chain my favourite recipe",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = ("run_pipeline",)
