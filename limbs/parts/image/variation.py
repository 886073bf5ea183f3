"""Image · Variations: Makes new pictures that look like one you already have."""

from __future__ import annotations

from limbs.generators.image_tools import variation as make
from limbs.params import IMAGE, asset, integer, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="variation",
    name="Variations",
    description="Makes new pictures that look like one you already have.",
    output="image",
    needs_intent=False,
    params=(
        asset("image", "Picture", IMAGE, "The picture to make variations of."),
        number(
            "amount",
            "How different",
            0.3,
            0.0,
            1.0,
            "0 is almost the same, 1 is very different.",
            step=0.05,
        ),
        integer("count", "How many", 4, 1, 8, "How many variations to make."),
    ),
    keywords=kw("variation, remix, similar"),
    make=make,
)
