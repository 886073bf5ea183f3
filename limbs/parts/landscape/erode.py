"""Landscape · Erode: Lets rain wear down a height map so it looks old and natural."""

from __future__ import annotations

from limbs.params import asset, integer, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="erode",
    name="Erode",
    description="Lets rain wear down a height map so it looks old and natural.",
    output="image",
    needs_intent=False,
    params=(
        asset("heightmap", "Height map", ("image/png",), "A height map PNG (16-bit works best)."),
        integer("droplets", "Raindrops", 50000, 1000, 500000, "More drops carve deeper valleys."),
        number("strength", "Strength", 0.3, 0.0, 1.0, "How much soil each drop carries.", step=0.05),
    ),
    keywords=kw("erode, erosion, eroded, rain, weather"),
)
