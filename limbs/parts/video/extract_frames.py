"""Video · Extract frames: Splits an animation into separate pictures."""

from __future__ import annotations

from limbs.generators.video import extract_frames as make
from limbs.params import asset, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="extract_frames",
    name="Extract frames",
    description="Splits an animation into separate pictures.",
    output="archive",
    needs_intent=False,
    params=(
        asset("animation", "Animation", ("image/gif", "image/webp"), "An animated GIF or WebP."),
        integer("max_frames", "Most frames", 60, 1, 240, "Stop after this many frames."),
    ),
    keywords=kw("extract frames, extract, split, separate"),
    make=make,
)
