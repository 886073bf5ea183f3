"""World · Place objects: Scatters things evenly, never too close together (Poisson-disc placement)."""

from __future__ import annotations

from limbs.params import asset, integer, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="place_objects",
    name="Place objects",
    description="Scatters things evenly, never too close together (Poisson-disc placement).",
    output="json",
    needs_intent=False,
    params=(
        asset(
            "map",
            "World map",
            ("application/json", "image/"),
            "Optional: a world map so things only go where they fit.",
            required=False,
        ),
        integer("width", "Area width", 256, 16, 4096, "Width of the area, in tiles."),
        integer("height", "Area height", 256, 16, 4096, "Height of the area, in tiles."),
        number("spacing", "Spacing", 12.0, 1.0, 256.0, "The smallest gap between two things."),
        integer("count", "Most things", 200, 1, 5000, "Stop after placing this many."),
    ),
    keywords=kw("place, scatter, spread, spawn, poisson, sprinkle"),
)
