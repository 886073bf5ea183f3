"""Image · Make a picture: Paints a picture from your words."""

from __future__ import annotations

from limbs.generators.image import generate as make
from limbs.params import choice, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="generate",
    name="Make a picture",
    description="Paints a picture from your words.",
    output="image",
    ai_tiers=("cloudflare", "gemini"),
    needs_intent=True,
    deadline_s=30.0,
    examples=("a red dragon sleeping on gold", "a cosy cabin in the snow at night"),
    params=(
        integer("width", "Width", 512, 64, 1024, "How wide the picture is, in pixels."),
        integer("height", "Height", 512, 64, 1024, "How tall the picture is, in pixels."),
        choice(
            "style",
            "Style",
            ("auto", "storybook", "pixel", "night"),
            "auto",
            "The look of the picture. Auto picks one from your words.",
        ),
    ),
    keywords=kw(
        "picture, draw, drawing, paint, painting, illustration, scene, poster, portrait, "
        "concept art, sketch, wallpaper, photo"
    ),
    make=make,
)
