"""Image · Seamless tile: A square pattern that repeats forever without visible seams."""

from __future__ import annotations

from collections.abc import Sequence

from limbs.generators.image_tools import tile as make
from limbs.params import IMAGE, asset, integer, kw, number
from limbs.parts.image._seams import validate_tile
from limbs.spec import ActionSpec, Output, main_output


def check(outputs: Sequence[Output]) -> None:
    """The main picture really tiles: its opposite edges meet without a seam."""
    validate_tile(main_output(outputs).data)


ACTION = ActionSpec(
    id="tile",
    name="Seamless tile",
    description="A square pattern that repeats forever without visible seams.",
    output="image",
    needs_intent=False,
    params=(
        asset(
            "image",
            "Picture to tile",
            IMAGE,
            "Optional: a picture to turn into a tile. Leave empty to make one from your words.",
            required=False,
        ),
        integer("size", "Size", 256, 32, 1024, "Width and height of the tile, in pixels."),
        number(
            "blend",
            "Seam blend",
            0.15,
            0.0,
            0.5,
            "How much of the edge is blended so the seams disappear.",
            step=0.05,
        ),
    ),
    keywords=kw("tile, tileable, seamless, pattern, texture, repeat, repeating"),
    check=check,
    make=make,
)
