"""Image · Make bigger: Makes a picture bigger while keeping it sharp."""

from __future__ import annotations

from limbs.generators.image_tools import upscale as make
from limbs.params import IMAGE, asset, choice, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="upscale",
    name="Make bigger",
    description="Makes a picture bigger while keeping it sharp.",
    output="image",
    needs_intent=False,
    params=(
        asset("image", "Picture", IMAGE, "The picture to make bigger."),
        integer("scale", "Times bigger", 2, 2, 4, "2 doubles the width and height."),
        choice(
            "method",
            "Method",
            ("auto", "pixel", "smooth"),
            "auto",
            "Pixel keeps pixel-art edges crisp; smooth suits photos and paintings.",
        ),
    ),
    keywords=kw("upscale, enlarge, bigger, sharper, larger, scale up"),
    make=make,
)
