"""Video: Make short moving loops, like a spinning coin or a flickering torch."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="video",
    name="Video",
    category="creative",
    icon="🎬",
    explanation="Make short moving loops, like a spinning coin or a flickering torch.",
    colour="#ad1457",
    keywords=kw(
        "video, animate, animated, gif, webp, loop, looping, movie, clip, flicker, flickering, spin, "
        "spinning, bob, bobbing, pulse, pulsing, sprite sheet, spritesheet, atlas, frames, "
        "extract frames"
    ),
    examples=(
        "animate my coin so it spins",
        "a flickering torch loop",
        "a bobbing ghost gif",
        "turn my frames into a sprite sheet",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "animate",
    "sprite_sheet",
    "extract_frames",
)
