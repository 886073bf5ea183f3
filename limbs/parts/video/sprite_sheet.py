"""Video · Sprite sheet: Packs animation frames into one sheet plus an atlas game engines read."""

from __future__ import annotations

from collections.abc import Sequence

from limbs.generators.video import sprite_sheet as make
from limbs.params import asset, integer, kw
from limbs.parts.video._atlas import validate_atlas
from limbs.spec import ActionSpec, Output, main_output


def check(outputs: Sequence[Output]) -> None:
    """The atlas names frames that lie inside the sheet."""
    atlas = next((o for o in outputs if o.role == "atlas"), None)
    if atlas is not None:
        validate_atlas(atlas.data, main_output(outputs).data)


ACTION = ActionSpec(
    id="sprite_sheet",
    name="Sprite sheet",
    description="Packs animation frames into one sheet plus an atlas game engines read.",
    output="image",
    needs_intent=False,
    params=(
        asset(
            "frames",
            "Frames",
            ("image/", "application/zip"),
            "An animated GIF or WebP, or a zip of frame pictures.",
        ),
        integer("columns", "Columns", 0, 0, 32, "Frames per row. 0 picks a neat square."),
        integer("padding", "Padding", 1, 0, 16, "Empty pixels between frames, so they never bleed."),
    ),
    keywords=kw("sprite sheet, spritesheet, atlas, sheet"),
    check=check,
    make=make,
)
