"""Drawing helpers for the image generators: soft-shaded outlined parts and noise.

Shapes are drawn as masks with Pillow at a supersampled resolution. Each part is
shaded by treating a blurred copy of its own mask as a height field (a "pillow"
bump), which gives every ear, wing and wheel a rounded, lit look without any 3D.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

from limbs.generators._words import RGB, darker

F32 = npt.NDArray[np.float32]
Point = tuple[float, float]

# Unit vector toward the light (image coordinates: x right, y down, z toward the viewer).
_LIGHT = np.array([-0.45, -0.6, 0.66], dtype=np.float32)
_LIGHT /= np.linalg.norm(_LIGHT)
_HALF = _LIGHT + np.array([0.0, 0.0, 1.0], dtype=np.float32)
_HALF /= np.linalg.norm(_HALF)


@dataclass(frozen=True)
class Shape:
    kind: Literal["poly", "ellipse", "rrect", "line"]
    pts: tuple[Point, ...]
    size: float = 0.0  # corner radius (rrect) or stroke width (line)

    def bbox(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.pts]
        ys = [p[1] for p in self.pts]
        pad = self.size / 2 if self.kind == "line" else 0.0
        return min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad

    def draw(self, d: ImageDraw.ImageDraw, ox: float, oy: float, fill: int) -> None:
        pts = [(x - ox, y - oy) for x, y in self.pts]
        if self.kind == "poly":
            if len(pts) >= 3:
                d.polygon(pts, fill=fill)
        elif self.kind == "ellipse":
            (x0, y0), (x1, y1) = pts
            d.ellipse((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), fill=fill)
        elif self.kind == "rrect":
            (x0, y0), (x1, y1) = pts
            box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
            radius = max(0.0, min(self.size, (box[2] - box[0]) / 2, (box[3] - box[1]) / 2))
            d.rounded_rectangle(box, radius=radius, fill=fill)
        else:
            width = max(1, int(round(self.size)))
            d.line(pts, fill=fill, width=width, joint="curve")
            r = self.size / 2
            for x, y in (pts[0], pts[-1]):
                d.ellipse((x - r, y - r, x + r, y + r), fill=fill)


class Painter:
    """A premultiplied RGBA float canvas that parts are composited onto, back to front."""

    def __init__(self, width: int, height: int, outline_px: float, outline_tone: RGB | None = None) -> None:
        self.width = width
        self.height = height
        self.outline_px = outline_px
        self.outline_tone = outline_tone
        self.canvas: F32 = np.zeros((height, width, 4), dtype=np.float32)

    def part(
        self,
        shapes: Sequence[Shape],
        colour: RGB,
        *,
        outline: bool = True,
        shade: float = 1.0,
        gloss: float = 0.18,
        cut: Sequence[Shape] = (),
        opacity: float = 1.0,
        line: RGB | None = None,
    ) -> None:
        if not shapes:
            return
        boxes = [s.bbox() for s in shapes]
        margin = int(math.ceil(self.outline_px * 3)) + 2
        x0 = max(0, int(math.floor(min(b[0] for b in boxes))) - margin)
        y0 = max(0, int(math.floor(min(b[1] for b in boxes))) - margin)
        x1 = min(self.width, int(math.ceil(max(b[2] for b in boxes))) + margin)
        y1 = min(self.height, int(math.ceil(max(b[3] for b in boxes))) + margin)
        if x1 - x0 < 1 or y1 - y0 < 1:
            return
        img = Image.new("L", (x1 - x0, y1 - y0), 0)
        d = ImageDraw.Draw(img)
        for s in shapes:
            s.draw(d, x0, y0, 255)
        for s in cut:
            s.draw(d, x0, y0, 0)
        mask = np.asarray(img, dtype=np.float32) / 255.0
        area = float(mask.sum())
        if area < 0.5:
            return
        if outline and self.outline_px > 0:
            sigma = self.outline_px
            blurred = np.asarray(img.filter(ImageFilter.GaussianBlur(sigma)), dtype=np.float32) / 255.0
            # Thresholding a Gaussian-blurred mask at one sigma dilates it by about sigma,
            # with a one-pixel ramp that keeps the edge antialiased.
            outer = np.clip((blurred - 0.159) * (sigma / 0.242) + 0.5, 0.0, 1.0)
            outer = np.maximum(outer, mask)
            tone = line or self.outline_tone or darker(colour)
            self._over(x0, y0, outer * opacity, np.array(tone, dtype=np.float32) / 255.0)
        base = np.array(colour, dtype=np.float32) / 255.0
        if shade > 0:
            ys = np.nonzero(mask.max(axis=1) > 0)[0]
            xs = np.nonzero(mask.max(axis=0) > 0)[0]
            extent = float(max(xs[-1] - xs[0], ys[-1] - ys[0]) + 1)
            radius = float(np.clip(0.3 * area / extent, 1.2, 90.0))
            height = np.asarray(img.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32) / 255.0
            gy, gx = np.gradient(height)
            k = radius * 2.4
            nx = -gx * k
            ny = -gy * k
            inv = 1.0 / np.sqrt(nx * nx + ny * ny + 1.0)
            ndotl = (nx * _LIGHT[0] + ny * _LIGHT[1] + _LIGHT[2]) * inv
            ndoth = np.clip((nx * _HALF[0] + ny * _HALF[1] + _HALF[2]) * inv, 0.0, 1.0)
            factor = 0.5 + 0.5 * np.clip(ndotl, 0.0, 1.0) / _LIGHT[2]
            factor = 1.0 + shade * (factor - 1.0)
            spec = gloss * ndoth**24
            rgb = base[None, None, :] * factor[..., None] + spec[..., None]
            rgb = np.clip(rgb, 0.0, 1.0)
        else:
            rgb = np.broadcast_to(base, mask.shape + (3,))
        self._over(x0, y0, mask * opacity, rgb)

    def _over(self, x0: int, y0: int, alpha: F32, rgb: F32) -> None:
        h, w = alpha.shape
        region = self.canvas[y0 : y0 + h, x0 : x0 + w]
        a = alpha[..., None]
        region[..., :3] = rgb * a + region[..., :3] * (1.0 - a)
        region[..., 3:] = a + region[..., 3:] * (1.0 - a)

    def downsampled(self, width: int, height: int) -> F32:
        """The canvas at the output size, still premultiplied, as float32 0..1."""
        data = np.clip(self.canvas * 255.0 + 0.5, 0, 255).astype(np.uint8)
        img = Image.frombytes("RGBa", (self.width, self.height), data.tobytes())
        if (width, height) != (self.width, self.height):
            img = img.resize((width, height), Image.Resampling.LANCZOS)
        arr = np.frombuffer(img.tobytes(), dtype=np.uint8).reshape(height, width, 4)
        return arr.astype(np.float32) / 255.0


class Pen:
    """Draws in a subject's own units: x in -0.5..0.5 from its centre, y up from its feet.

    ``flip`` mirrors the subject so it can face either way without separate drawings.
    """

    def __init__(self, painter: Painter, cx: float, base: float, size: float, flip: bool = False) -> None:
        self.painter = painter
        self.cx = cx
        self.base = base
        self.size = size
        self.flip = flip

    def p(self, x: float, y: float) -> Point:
        return (self.cx + (-x if self.flip else x) * self.size, self.base - y * self.size)

    # Shape builders (unit coordinates) ------------------------------------------------
    def E(self, x: float, y: float, rx: float, ry: float, angle: float = 0.0) -> Shape:
        if angle == 0.0:
            return Shape("ellipse", (self.p(x - rx, y - ry), self.p(x + rx, y + ry)))
        return self.P(ellipse_points(x, y, rx, ry, angle))

    def C(self, x: float, y: float, r: float) -> Shape:
        return self.E(x, y, r, r)

    def P(self, pts: Sequence[Point]) -> Shape:
        return Shape("poly", tuple(self.p(x, y) for x, y in pts))

    def R(self, x0: float, y0: float, x1: float, y1: float, r: float = 0.0) -> Shape:
        return Shape("rrect", (self.p(x0, y0), self.p(x1, y1)), r * self.size)

    def L(self, pts: Sequence[Point], width: float) -> Shape:
        return Shape("line", tuple(self.p(x, y) for x, y in pts), width * self.size)

    def T(self, pts: Sequence[Point], widths: Sequence[float] | float) -> Shape:
        return self.P(tube_outline(pts, widths))

    # Convenience: one shape, one part ---------------------------------------------------
    def part(self, shapes: Sequence[Shape], colour: RGB, **kw: object) -> None:
        self.painter.part(shapes, colour, **kw)  # type: ignore[arg-type]

    def ellipse(self, x: float, y: float, rx: float, ry: float, colour: RGB, angle: float = 0.0, **kw: object) -> None:
        self.part([self.E(x, y, rx, ry, angle)], colour, **kw)

    def circle(self, x: float, y: float, r: float, colour: RGB, **kw: object) -> None:
        self.part([self.C(x, y, r)], colour, **kw)

    def poly(self, pts: Sequence[Point], colour: RGB, **kw: object) -> None:
        self.part([self.P(pts)], colour, **kw)

    def rrect(self, x0: float, y0: float, x1: float, y1: float, r: float, colour: RGB, **kw: object) -> None:
        self.part([self.R(x0, y0, x1, y1, r)], colour, **kw)

    def tube(self, pts: Sequence[Point], widths: Sequence[float] | float, colour: RGB, **kw: object) -> None:
        self.part([self.T(pts, widths)], colour, **kw)

    def line(self, pts: Sequence[Point], width: float, colour: RGB, **kw: object) -> None:
        kw.setdefault("shade", 0.0)
        kw.setdefault("outline", False)
        self.part([self.L(pts, width)], colour, **kw)

    def eye(self, x: float, y: float, r: float, look: Point = (0.25, 0.0), sleepy: bool = False) -> None:
        """A big friendly cartoon eye: white, dark pupil, a shine dot."""
        self.ellipse(x, y, r, r * 1.12, (250, 250, 252), shade=0.35, gloss=0.0)
        if sleepy:
            self.line(arc_points(x, y + r * 0.1, r * 0.8, 200, 340, 9), r * 0.35, (30, 24, 40))
            return
        px, py = x + look[0] * r, y + look[1] * r
        self.ellipse(px, py - r * 0.05, r * 0.62, r * 0.72, (34, 28, 48), outline=False, shade=0.2)
        self.circle(px + r * 0.22, py + r * 0.25, r * 0.22, (255, 255, 255), outline=False, shade=0.0)

    def smile(self, x: float, y: float, r: float, width: float, colour: RGB = (40, 26, 40)) -> None:
        self.line(arc_points(x, y, r, 200, 340, 12), width, colour)


def ellipse_points(x: float, y: float, rx: float, ry: float, angle: float = 0.0, n: int = 40) -> list[Point]:
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    pts: list[Point] = []
    for i in range(n):
        t = 2 * math.pi * i / n
        ex, ey = rx * math.cos(t), ry * math.sin(t)
        pts.append((x + ex * ca - ey * sa, y + ex * sa + ey * ca))
    return pts


def arc_points(x: float, y: float, r: float, start: float, end: float, n: int = 16) -> list[Point]:
    """Points on a circle arc, angles in degrees counter-clockwise with y up."""
    return [
        (
            x + r * math.cos(math.radians(start + (end - start) * i / (n - 1))),
            y + r * math.sin(math.radians(start + (end - start) * i / (n - 1))),
        )
        for i in range(n)
    ]


def bezier(p0: Point, p1: Point, p2: Point, n: int = 16, p3: Point | None = None) -> list[Point]:
    """Quadratic (or cubic, when p3 is given) Bezier curve points."""
    pts: list[Point] = []
    for i in range(n):
        t = i / (n - 1)
        u = 1 - t
        if p3 is None:
            pts.append(
                (u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0], u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1])
            )
        else:
            pts.append(
                (
                    u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                    u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
                )
            )
    return pts


def tube_outline(pts: Sequence[Point], widths: Sequence[float] | float) -> list[Point]:
    """The outline polygon of a stroke whose width varies along the path (tails, necks, horns)."""
    n = len(pts)
    ws = [float(widths)] * n if isinstance(widths, int | float) else _resample(list(widths), n)
    left: list[Point] = []
    right: list[Point] = []
    for i, (x, y) in enumerate(pts):
        ax, ay = pts[max(0, i - 1)]
        bx, by = pts[min(n - 1, i + 1)]
        tx, ty = bx - ax, by - ay
        norm = math.hypot(tx, ty) or 1.0
        nx, ny = -ty / norm, tx / norm
        h = ws[i] / 2
        left.append((x + nx * h, y + ny * h))
        right.append((x - nx * h, y - ny * h))
    # Round the blunt start so limbs look attached rather than cut off.
    sx, sy = pts[0]
    cap: list[Point] = []
    if ws[0] > 0 and n > 1:
        bx, by = pts[1]
        ang = math.atan2(by - sy, bx - sx)
        for k in range(1, 8):
            t = ang + math.pi / 2 + math.pi * k / 8
            cap.append((sx + math.cos(t) * ws[0] / 2, sy + math.sin(t) * ws[0] / 2))
    return left + right[::-1] + cap


def _resample(values: list[float], n: int) -> list[float]:
    if len(values) == n:
        return values
    if len(values) == 1:
        return values * n
    out: list[float] = []
    for i in range(n):
        t = i / (n - 1) * (len(values) - 1)
        j = min(int(t), len(values) - 2)
        f = t - j
        out.append(values[j] * (1 - f) + values[j + 1] * f)
    return out


def smooth_noise(rng: np.random.Generator, height: int, width: int, cell: float, octaves: int = 3) -> F32:
    """Value noise in 0..1 from bicubically upscaled random grids, summed over octaves."""
    total = np.zeros((height, width), dtype=np.float32)
    amp = 1.0
    norm = 0.0
    for _ in range(max(1, octaves)):
        gw = max(2, int(math.ceil(width / cell)) + 2)
        gh = max(2, int(math.ceil(height / cell)) + 2)
        grid = rng.random((gh, gw), dtype=np.float32)
        img = Image.fromarray(grid, mode="F").resize((width, height), Image.Resampling.BICUBIC)
        total += amp * np.asarray(img, dtype=np.float32)
        norm += amp
        amp *= 0.5
        cell = max(1.0, cell / 2)
    return np.clip(total / norm, 0.0, 1.0)


def noise_1d(rng: np.random.Generator, n: int, cells: float, octaves: int = 4) -> F32:
    """Smooth 1D value noise in roughly 0..1 (hill and mountain profiles)."""
    x = np.arange(n, dtype=np.float64)
    total = np.zeros(n, dtype=np.float64)
    amp = 1.0
    norm = 0.0
    freq = cells / max(1, n)
    for _ in range(max(1, octaves)):
        k = int(math.ceil(n * freq)) + 2
        lattice = rng.random(k)
        t = x * freq
        i = np.floor(t).astype(np.int64)
        f = t - i
        f = f * f * (3 - 2 * f)
        total += amp * (lattice[i] * (1 - f) + lattice[i + 1] * f)
        norm += amp
        amp *= 0.5
        freq *= 2.0
    return (total / norm).astype(np.float32)
