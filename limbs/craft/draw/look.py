"""What every drawn subject shares: its look, the inks, a lighter tint and a flame tongue."""

from __future__ import annotations

import math
from dataclasses import dataclass

from limbs.craft.draw.curves import bezier
from limbs.craft.draw.pen import Pen
from limbs.craft.words import RGB, mix

INK: RGB = (38, 28, 50)
WHITE: RGB = (250, 250, 252)
BLUSH: RGB = (255, 140, 160)


@dataclass(frozen=True)
class Look:
    main: RGB
    accent: RGB
    extra: RGB
    variant: str = ""
    night: bool = False
    fire: bool = False
    wings: bool = False
    water: RGB = (60, 140, 200)


def lighten(c: RGB, t: float = 0.55) -> RGB:
    return mix(c, (255, 236, 196), t)


def flame(pen: Pen, x: float, y: float, length: float, angle: float, width: float) -> None:
    """A flame tongue pointing along ``angle`` degrees from (x, y)."""
    a = math.radians(angle)
    dx, dy = math.cos(a), math.sin(a)
    nx, ny = -dy, dx
    for scale_, colour in ((1.0, (240, 90, 30)), (0.7, (252, 176, 40)), (0.42, (255, 244, 170))):
        w = width * scale_
        ln = length * scale_
        tip = (x + dx * ln, y + dy * ln)
        pts = bezier(
            (x + nx * w * 0.3, y + ny * w * 0.3),
            (x + dx * ln * 0.4 + nx * w, y + dy * ln * 0.4 + ny * w),
            tip,
        )
        pts += bezier(
            tip,
            (x + dx * ln * 0.4 - nx * w, y + dy * ln * 0.4 - ny * w),
            (x - nx * w * 0.3, y - ny * w * 0.3),
        )
        pen.poly(pts, colour, outline=scale_ == 1.0, shade=0.3, gloss=0.0)
