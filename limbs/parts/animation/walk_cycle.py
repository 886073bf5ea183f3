"""Animation · Walk cycle: Makes a sprite walk, step by step, with a GIF preview."""

from __future__ import annotations

from limbs.generators.animation import walk_cycle as make
from limbs.params import IMAGE, asset, integer, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="walk_cycle",
    name="Walk cycle",
    description="Makes a sprite walk, step by step, with a GIF preview.",
    output="image",
    needs_intent=False,
    params=(
        asset("sprite", "Sprite", IMAGE, "The character picture that should walk."),
        integer("frames", "Frames", 8, 4, 16, "Pictures in one full step."),
        integer("fps", "Speed", 10, 4, 24, "Frames per second in the preview."),
        number("bounce", "Bounce", 0.5, 0.0, 1.0, "How much the body bobs up and down.", step=0.05),
    ),
    keywords=kw("walk cycle, walk, walking, stride, run cycle"),
    make=make,
)
