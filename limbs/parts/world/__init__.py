"""World: Draw a map of a whole world with islands, rivers and towns."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="world",
    name="World",
    category="spatial",
    icon="🗺️",
    explanation="Draw a map of a whole world with islands, rivers and towns.",
    colour="#2e7d32",
    keywords=kw(
        "world, map, world map, island, continent, biome, river, ocean, sea, coast, archipelago, "
        "overworld, town, village, place, scatter, spawn, poisson"
    ),
    examples=(
        "a world map with islands",
        "a frozen continent with one big river",
        "an ocean full of tiny islands",
        "scatter trees and rocks around my village",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "generate",
    "place_objects",
)
