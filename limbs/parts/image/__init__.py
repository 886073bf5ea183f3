"""Image: Draw pictures, pixel sprites and patterns for your game."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="image",
    name="Image",
    category="creative",
    icon="🎨",
    explanation="Draw pictures, pixel sprites and patterns for your game.",
    colour="#c2185b",
    keywords=kw(
        "picture, draw, drawing, paint, painting, image, art, artwork, sprite, pixel, pixel art, "
        "8 bit, retro, illustration, sketch, poster, portrait, icon, concept art, tile, tileable, "
        "seamless, pattern, texture, palette, colour, color, colours, swatch, remove background, "
        "transparent, cut out, upscale, enlarge, bigger, sharper, variation, remix, photo, "
        "wallpaper, scene, background"
    ),
    examples=(
        "a picture of a friendly dragon on a hill",
        "draw a castle floating on a cloud",
        "a painting of a rainy night in a tiny town",
        "pixel art of a happy frog",
        "a seamless pattern of autumn leaves",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "generate",
    "sprite",
    "tile",
    "palette",
    "remove_background",
    "upscale",
    "variation",
)
