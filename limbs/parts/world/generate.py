"""World · World map: A world map with land, sea, biomes, rivers and towns."""

from __future__ import annotations

from limbs.params import integer, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="generate",
    name="World map",
    description="A world map with land, sea, biomes, rivers and towns.",
    output="image",
    needs_intent=False,
    params=(
        integer("width", "Width", 256, 64, 1024, "Map width, in pixels."),
        integer("height", "Height", 256, 64, 1024, "Map height, in pixels."),
        number("sea_level", "Sea level", 0.45, 0.0, 1.0, "Higher means more water.", step=0.05),
        integer("rivers", "Rivers", 8, 0, 50, "Most rivers to draw."),
        integer("towns", "Towns", 6, 0, 50, "Most towns to place."),
    ),
    keywords=kw("map, world map, island, continent, biome, river, ocean"),
)
