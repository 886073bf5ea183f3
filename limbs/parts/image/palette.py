"""Image · Colour palette: Finds the main colours of a picture and lays them out as swatches."""

from __future__ import annotations

from limbs.generators.image_tools import palette as make
from limbs.params import IMAGE, asset, choice, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="palette",
    name="Colour palette",
    description="Finds the main colours of a picture and lays them out as swatches.",
    output="json",
    needs_intent=False,
    params=(
        asset("image", "Picture", IMAGE, "The picture to take the colours from."),
        integer("colours", "Colours", 8, 2, 32, "How many colours to find."),
        choice(
            "method",
            "Method",
            ("median_cut", "kmeans"),
            "median_cut",
            "Median cut is fast; k-means is slower but often closer to what you see.",
        ),
    ),
    keywords=kw("palette, colour, color, colours, swatch, colour scheme"),
    make=make,
)
