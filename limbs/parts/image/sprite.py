"""Image · Pixel sprite: A small pixel-art character or item with a see-through background."""

from __future__ import annotations

from limbs.generators.image import sprite as make
from limbs.params import boolean, choice, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="sprite",
    name="Pixel sprite",
    description="A small pixel-art character or item with a see-through background.",
    output="image",
    ai_tiers=(),
    examples=("a tiny green robot", "a spaceship with red wings"),
    params=(
        integer("size", "Size", 32, 8, 64, "How many pixels across the sprite is (it is shown bigger)."),
        choice(
            "kind",
            "Kind",
            ("auto", "creature", "robot", "spaceship", "item"),
            "auto",
            "What sort of sprite to make. Auto guesses from your words.",
        ),
        boolean("outline", "Outline", True, "Draw a dark line around the sprite so it stands out."),
    ),
    keywords=kw("sprite, pixel, pixel art, 8 bit, retro, icon"),
    make=make,
)
