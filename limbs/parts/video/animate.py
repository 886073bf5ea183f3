"""Video · Animate a picture: Turns a picture into a short looping animation."""

from __future__ import annotations

from limbs.generators.video import animate as make
from limbs.params import IMAGE, asset, choice, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="animate",
    name="Animate a picture",
    description="Turns a picture into a short looping animation.",
    output="image",
    needs_intent=False,
    params=(
        asset("image", "Picture", IMAGE, "The picture to bring to life."),
        choice(
            "motion",
            "Motion",
            ("auto", "bob", "pulse", "spin", "flicker"),
            "auto",
            "How it moves. Auto picks from your words.",
        ),
        integer("frames", "Frames", 12, 4, 48, "More frames make smoother movement and bigger files."),
        integer("fps", "Speed", 12, 4, 30, "Frames per second."),
        choice("format", "File type", ("gif", "webp"), "gif", "GIF works everywhere; WebP is smaller."),
    ),
    keywords=kw(
        "animate, animated, gif, loop, looping, flicker, flickering, spin, spinning, bob, bobbing, "
        "pulse, pulsing"
    ),
    make=make,
)
