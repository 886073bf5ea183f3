"""Drawing helpers for the image generators: soft-shaded outlined parts and noise.

Shapes are drawn as masks with Pillow at a supersampled resolution. Each part is
shaded by treating a blurred copy of its own mask as a height field (a "pillow"
bump), which gives every ear, wing and wheel a rounded, lit look without any 3D.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict, Unpack

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

from limbs.craft.words import RGB, darker, mix, scale, shift_hue, word_hash

F32 = npt.NDArray[np.float32]
Point = tuple[float, float]
# Side of the squares (canvas pixels) the painter tracks paint in.
_TILE = 64

# Unit vector toward the light (image coordinates: x right, y down, z toward the viewer).
_LIGHT = np.array([-0.45, -0.6, 0.66], dtype=np.float32)
_LIGHT /= np.linalg.norm(_LIGHT)
_HALF = _LIGHT + np.array([0.0, 0.0, 1.0], dtype=np.float32)
_HALF /= np.linalg.norm(_HALF)


class Style(TypedDict, total=False):
    """How a part is painted (see ``Painter.part``)."""

    outline: bool
    shade: float
    gloss: float
    cut: Sequence[Shape]
    opacity: float
    line: RGB | None


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
            width = max(1, round(self.size))
            d.line(pts, fill=fill, width=width, joint="curve")
            r = self.size / 2
            for x, y in (pts[0], pts[-1]):
                d.ellipse((x - r, y - r, x + r, y + r), fill=fill)


class Painter:
    """A premultiplied RGBA float canvas that parts are composited onto, back to front.

    The canvas is planar (channel, row, column): every per-channel step of a composite is then
    a contiguous 2-D slice instead of a strided walk over interleaved pixels.
    """

    def __init__(self, width: int, height: int, outline_px: float, outline_tone: RGB | None = None) -> None:
        self.width = width
        self.height = height
        self.outline_px = outline_px
        self.outline_tone = outline_tone
        self.canvas: F32 = np.zeros((4, height, width), dtype=np.float32)
        # Bounding box of everything painted so far (x0, y0, x1, y1), and each part's box: the
        # downsample resamples only the tiles paint came near.
        self.dirty: tuple[int, int, int, int] | None = None
        self.boxes: list[tuple[int, int, int, int]] = []
        sigma = outline_px
        # Thresholding a Gaussian-blurred mask at one sigma dilates it by about sigma,
        # with a one-pixel ramp that keeps the edge antialiased (a table over the 8-bit blur).
        levels = np.arange(256, dtype=np.float32) / 255.0
        self._outer_lut: F32 = np.clip((levels - 0.159) * (sigma / 0.242) + 0.5, 0.0, 1.0).astype(np.float32)

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
        ring = outline and self.outline_px > 0
        boxes = [s.bbox() for s in shapes]
        # Only an outline reaches beyond the shapes; without one a small safety margin will do.
        margin = math.ceil(self.outline_px * 3) + 2 if ring else 2
        x0 = max(0, math.floor(min(b[0] for b in boxes)) - margin)
        y0 = max(0, math.floor(min(b[1] for b in boxes)) - margin)
        x1 = min(self.width, math.ceil(max(b[2] for b in boxes)) + margin)
        y1 = min(self.height, math.ceil(max(b[3] for b in boxes)) + margin)
        if x1 - x0 < 1 or y1 - y0 < 1:
            return
        img = Image.new("L", (x1 - x0, y1 - y0), 0)
        d = ImageDraw.Draw(img)
        for s in shapes:
            s.draw(d, x0, y0, 255)
        for s in cut:
            s.draw(d, x0, y0, 0)
        tight = img.getbbox()
        if tight is None:
            return
        d0 = self.dirty or (x0, y0, x1, y1)
        self.dirty = (min(d0[0], x0), min(d0[1], y0), max(d0[2], x1), max(d0[3], y1))
        self.boxes.append((x0, y0, x1, y1))
        # Shading and colour only matter under the mask: work on its box, one pixel wider so the
        # gradient at the mask's edge stays a central difference.
        bx0, by0 = max(0, tight[0] - 1), max(0, tight[1] - 1)
        bx1, by1 = min(x1 - x0, tight[2] + 1), min(y1 - y0, tight[3] + 1)
        raw = np.asarray(img)
        mask = raw[by0:by1, bx0:bx1].astype(np.float32)
        mask *= np.float32(1.0 / 255.0)
        base = np.array(colour, dtype=np.float32) / 255.0
        mask_op = mask * np.float32(opacity) if opacity != 1.0 else mask
        if shade > 0:
            factor, spec = _shading(mask, shade, gloss, tight)
            fill = []
            for c in range(3):
                v = factor * base[c]
                if spec is not None:
                    v += spec
                np.clip(v, 0.0, 1.0, out=v)
                v *= mask_op
                fill.append(v)
        else:
            fill = [mask_op * base[c] for c in range(3)]
        reg = self.canvas[:, y0:y1, x0:x1]
        inner = reg[:, by0:by1, bx0:bx1]
        if ring:
            outer = self._outer_lut[np.asarray(img.filter(ImageFilter.GaussianBlur(self.outline_px)))]
            full = raw.astype(np.float32)
            full *= np.float32(1.0 / 255.0)
            # rim = max(outer, mask) * (1 - mask); alpha = mask + rim
            rim = np.maximum(outer, full)
            rim *= 1.0 - full
            alpha = full + rim
            if opacity != 1.0:
                rim *= np.float32(opacity)
                alpha *= np.float32(opacity)
            keep = 1.0 - alpha
            tone = np.array(line or self.outline_tone or darker(colour), dtype=np.float32) / 255.0
            for c in range(3):
                reg[c] *= keep
                reg[c] += rim * tone[c]
                inner[c] += fill[c]
            reg[3] *= keep
            reg[3] += alpha
        else:
            keep = 1.0 - mask_op
            for c in range(3):
                inner[c] *= keep
                inner[c] += fill[c]
            inner[3] *= keep
            inner[3] += mask_op

    def downsampled(self, width: int, height: int) -> F32:
        """The canvas at the output size, still premultiplied, as float32 0..1, (height, width, 4).

        Only tiles that paint came near are resampled, a run of them per row of tiles: elsewhere
        the canvas is empty, and a crop on whole output pixels with room for the Lanczos window
        gives the same pixels as resampling everything.
        """
        out = np.zeros((height, width, 4), dtype=np.float32)
        if self.dirty is None:
            return out
        k = self.width // width
        if k < 1 or k * width != self.width or k * height != self.height or k > _TILE:
            # Not a whole-number scale: resample everything.
            self._resample_into(out, (0, 0, width, height), (0, 0, width, height))
            out *= np.float32(1.0 / 255.0)
            return out
        step = _TILE // k  # output pixels per tile side
        span = step * k
        pad = 4  # output pixels; the Lanczos window reaches 3
        reach = pad * k
        tiles = np.zeros((-(-self.height // span), -(-self.width // span)), dtype=np.bool_)
        for x0, y0, x1, y1 in self.boxes:
            # Tiles next to paint are redone too: the window carries paint a few pixels over.
            tiles[
                max(0, y0 - reach) // span : (y1 + reach - 1) // span + 1,
                max(0, x0 - reach) // span : (x1 + reach - 1) // span + 1,
            ] = True
        for row, flags in enumerate(tiles):
            cols = np.flatnonzero(flags)
            if not len(cols):
                continue
            # Runs of neighbouring tiles resample together.
            breaks = np.flatnonzero(np.diff(cols) > 1)
            for a, b in zip([cols[0], *cols[breaks + 1]], [*cols[breaks], cols[-1]], strict=True):
                inner = (
                    int(a) * step,
                    row * step,
                    min(width, (int(b) + 1) * step),
                    min(height, (row + 1) * step),
                )
                crop = (
                    max(0, inner[0] - pad),
                    max(0, inner[1] - pad),
                    min(width, inner[2] + pad),
                    min(height, inner[3] + pad),
                )
                self._resample_into(out, crop, inner)
        out *= np.float32(1.0 / 255.0)
        return out

    def _resample_into(
        self, out: F32, crop: tuple[int, int, int, int], inner: tuple[int, int, int, int]
    ) -> None:
        """Resample the canvas under output box ``crop``; keep its ``inner`` part in ``out`` (0..255)."""
        height, width = out.shape[:2]
        sx, sy = self.width / width, self.height / height
        cx0, cy0, cx1, cy1 = crop
        ix0, iy0 = round(cx0 * sx), round(cy0 * sy)
        ix1, iy1 = round(cx1 * sx), round(cy1 * sy)
        region = self.canvas[:, iy0:iy1, ix0:ix1]
        rh, rw = region.shape[1:]
        data = np.empty((rh, rw, 4), dtype=np.uint8)
        tmp = np.empty((rh, rw), dtype=np.float32)
        for c in range(4):
            # Premultiplied compositing keeps every value in 0..1, so no clip is needed.
            np.multiply(region[c], 255.0, out=tmp)
            tmp += 0.5
            data[..., c] = tmp
        img = Image.frombuffer("RGBa", (rw, rh), data, "raw", "RGBa", 0, 1)
        size = (cx1 - cx0, cy1 - cy0)
        if img.size != size:
            img = img.resize(size, Image.Resampling.LANCZOS)
        arr = np.asarray(img)
        x0, y0, x1, y1 = inner
        out[y0:y1, x0:x1] = arr[y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0]


def _shading(
    mask: F32, shade: float, gloss: float, tight: tuple[int, int, int, int]
) -> tuple[F32, F32 | None]:
    """(brightness factor, specular) of a part lit as a "pillow" bump over its own mask."""
    area = float(mask.sum())
    extent = float(max(tight[2] - tight[0], tight[3] - tight[1]))
    radius = float(np.clip(0.3 * area / extent, 1.2, 90.0))
    height = blur_float(mask, radius)
    gy, gx = (np.asarray(g, dtype=np.float32) for g in np.gradient(height))
    k = radius * 2.4
    # Normal n = (-k gx, -k gy, 1) / |n|; lighting is folded into per-axis constants.
    inv = gx * gx
    inv += gy * gy
    inv *= np.float32(k * k)
    inv += 1.0
    np.sqrt(inv, out=inv)
    np.divide(1.0, inv, out=inv)
    ndotl = gx * np.float32(-k * _LIGHT[0])
    ndotl += gy * np.float32(-k * _LIGHT[1])
    ndotl += _LIGHT[2]
    ndotl *= inv
    np.clip(ndotl, 0.0, 1.0, out=ndotl)
    # factor = 1 + shade * (0.5 + 0.5 * ndotl / Lz - 1)
    ndotl *= np.float32(0.5 * shade / _LIGHT[2])
    ndotl += np.float32(1.0 - 0.5 * shade)
    if gloss == 0:
        return ndotl, None
    ndoth = gx * np.float32(-k * _HALF[0])
    ndoth += gy * np.float32(-k * _HALF[1])
    ndoth += _HALF[2]
    ndoth *= inv
    np.clip(ndoth, 0.0, 1.0, out=ndoth)
    # ndoth ** 24 by squaring: pow() is many times slower per pixel.
    np.multiply(ndoth, ndoth, out=ndoth)
    np.multiply(ndoth, ndoth, out=ndoth)
    np.multiply(ndoth, ndoth, out=ndoth)
    spec = ndoth * ndoth
    spec *= ndoth
    spec *= np.float32(gloss)
    return ndotl, spec


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
    def oval(self, x: float, y: float, rx: float, ry: float, angle: float = 0.0) -> Shape:
        if angle == 0.0:
            return Shape("ellipse", (self.p(x - rx, y - ry), self.p(x + rx, y + ry)))
        return self.shape(ellipse_points(x, y, rx, ry, angle))

    def disc(self, x: float, y: float, r: float) -> Shape:
        return self.oval(x, y, r, r)

    def shape(self, pts: Sequence[Point]) -> Shape:
        return Shape("poly", tuple(self.p(x, y) for x, y in pts))

    def box(self, x0: float, y0: float, x1: float, y1: float, r: float = 0.0) -> Shape:
        return Shape("rrect", (self.p(x0, y0), self.p(x1, y1)), r * self.size)

    def stroke(self, pts: Sequence[Point], width: float) -> Shape:
        return Shape("line", tuple(self.p(x, y) for x, y in pts), width * self.size)

    def limb(self, pts: Sequence[Point], widths: Sequence[float] | float) -> Shape:
        return self.shape(tube_outline(pts, widths))

    # Convenience: one shape, one part ---------------------------------------------------
    def part(self, shapes: Sequence[Shape], colour: RGB, **kw: Unpack[Style]) -> None:
        self.painter.part(shapes, colour, **kw)

    def ellipse(
        self, x: float, y: float, rx: float, ry: float, colour: RGB, angle: float = 0.0, **kw: Unpack[Style]
    ) -> None:
        self.part([self.oval(x, y, rx, ry, angle)], colour, **kw)

    def circle(self, x: float, y: float, r: float, colour: RGB, **kw: Unpack[Style]) -> None:
        self.part([self.disc(x, y, r)], colour, **kw)

    def poly(self, pts: Sequence[Point], colour: RGB, **kw: Unpack[Style]) -> None:
        self.part([self.shape(pts)], colour, **kw)

    def rrect(
        self, x0: float, y0: float, x1: float, y1: float, r: float, colour: RGB, **kw: Unpack[Style]
    ) -> None:
        self.part([self.box(x0, y0, x1, y1, r)], colour, **kw)

    def tube(
        self, pts: Sequence[Point], widths: Sequence[float] | float, colour: RGB, **kw: Unpack[Style]
    ) -> None:
        self.part([self.limb(pts, widths)], colour, **kw)

    def line(self, pts: Sequence[Point], width: float, colour: RGB, **kw: Unpack[Style]) -> None:
        kw.setdefault("shade", 0.0)
        kw.setdefault("outline", False)
        self.part([self.stroke(pts, width)], colour, **kw)

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


def _box_pass(a: F32, r: int, axis: int) -> F32:
    """One box blur pass of radius r along an axis (zero outside), via cumulative sums."""
    if r < 1:
        return a
    n = a.shape[axis]
    shape = list(a.shape)
    shape[axis] = n + 2 * r + 1
    # Zero-padded by hand: np.pad's Python overhead dominated for the many small parts.
    c = np.zeros(shape, dtype=np.float32)
    if axis == 0:
        c[r + 1 : r + 1 + n] = a
        np.cumsum(c, axis=0, out=c)
        out = c[2 * r + 1 :] - c[:n]
    else:
        c[:, r + 1 : r + 1 + n] = a
        np.cumsum(c, axis=1, out=c)
        out = c[:, 2 * r + 1 :] - c[:, :n]
    out *= np.float32(1.0 / (2 * r + 1))
    return out


def blur_float(a: F32, sigma: float) -> F32:
    """Approximately Gaussian blur in float precision (8-bit blurs shade in visible rings).

    Large radii are blurred on a box-downsampled copy and scaled back bicubically, which
    keeps the cost flat no matter how big the part is.
    """
    h, w = a.shape
    k = max(1, int(sigma / 3))
    small = a
    if k > 1:
        sw, sh = max(1, math.ceil(w / k)), max(1, math.ceil(h / k))
        small = np.asarray(Image.fromarray(a).resize((sw, sh), Image.Resampling.BOX), dtype=np.float32)
    r = max(1, round(sigma / k * 0.9))
    for _ in range(3):
        small = _box_pass(small, r, 0)
        small = _box_pass(small, r, 1)
    if k > 1:
        small = np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32)
    return small


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
                (
                    u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0],
                    u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1],
                )
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
        gw = max(2, math.ceil(width / cell) + 2)
        gh = max(2, math.ceil(height / cell) + 2)
        grid = rng.random((gh, gw), dtype=np.float32)
        img = Image.fromarray(grid).resize((width, height), Image.Resampling.BICUBIC)
        total += amp * np.asarray(img, dtype=np.float32)
        norm += amp
        amp *= 0.5
        cell = max(1.0, cell / 2)
    out: F32 = np.clip(total / norm, 0.0, 1.0)
    return out


def noise_1d(rng: np.random.Generator, n: int, cells: float, octaves: int = 4) -> F32:
    """Smooth 1D value noise in roughly 0..1 (hill and mountain profiles)."""
    x = np.arange(n, dtype=np.float64)
    total = np.zeros(n, dtype=np.float64)
    amp = 1.0
    norm = 0.0
    freq = cells / max(1, n)
    for _ in range(max(1, octaves)):
        k = math.ceil(n * freq) + 2
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


def ellipse_band(
    x: float, y: float, rx: float, ry: float, lo: float, hi: float, axis: str = "x"
) -> list[Point]:
    """The part of an ellipse between two lines (stripes and bellies that never poke out)."""
    c, r, other_c, other_r = (x, rx, y, ry) if axis == "x" else (y, ry, x, rx)
    lo, hi = max(lo, c - r), min(hi, c + r)
    if hi <= lo:
        return []
    steps = 14
    ts = [lo + (hi - lo) * i / (steps - 1) for i in range(steps)]
    spans = [other_r * math.sqrt(max(0.0, 1 - ((t - c) / r) ** 2)) for t in ts]
    first = [(t, other_c + s) for t, s in zip(ts, spans, strict=True)]
    second = [(t, other_c - s) for t, s in zip(ts[::-1], spans[::-1], strict=True)]
    pts = first + second
    return pts if axis == "x" else [(b, a) for a, b in pts]


def wobbly_blob(
    x: float, y: float, rx: float, ry: float, rng: np.random.Generator, bumps: int, depth: float
) -> list[Point]:
    """An ellipse whose edge bulges in soft bumps (fur, foliage, clouds)."""
    phase = float(rng.uniform(0, 2 * math.pi))
    pts: list[Point] = []
    n = 72
    for i in range(n):
        t = 2 * math.pi * i / n
        k = 1 + depth * abs(math.sin(bumps * t / 2 + phase))
        pts.append((x + rx * k * math.cos(t), y + ry * k * math.sin(t)))
    return pts


# --------------------------------------------------------------------------------------
# Subjects. Each draws in unit space (feet at y=0, about one unit tall, facing +x).
# --------------------------------------------------------------------------------------

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


def _light(c: RGB, t: float = 0.55) -> RGB:
    return mix(c, (255, 236, 196), t)


def _blush(pen: Pen, x: float, y: float, r: float) -> None:
    pen.ellipse(x, y, r, r * 0.6, BLUSH, outline=False, shade=0.0, opacity=0.55)


def _flame(pen: Pen, x: float, y: float, length: float, angle: float, width: float) -> None:
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


def _bat_wing(root_a: Point, root_b: Point, tip: Point, fingers: Sequence[Point]) -> list[Point]:
    pts = bezier(root_b, ((root_b[0] + tip[0]) / 2 + 0.02, (root_b[1] + tip[1]) / 2 + 0.06), tip, 10)
    prev = tip
    for f in [*fingers, root_a]:
        mid = ((prev[0] + f[0]) / 2, (prev[1] + f[1]) / 2)
        pull = (mid[0] + (root_b[0] - mid[0]) * 0.25, mid[1] + (root_b[1] - mid[1]) * 0.25)
        pts += bezier(prev, pull, f, 8)[1:]
        prev = f
    return pts


def _feather_wing(pen: Pen, root: Point, colour: RGB) -> None:
    """A bird-like wing raised behind the back: long feathers fanning out, coverts on top."""
    rx, ry = root
    for k in range(6):
        angle = 100 + k * 13
        a = math.radians(angle)
        length = 0.36 - k * 0.03
        cx, cy = rx + math.cos(a) * length * 0.55, ry + math.sin(a) * length * 0.55
        pen.ellipse(cx, cy, length * 0.5, 0.045, scale(colour, 0.92 + 0.015 * k), angle=angle, gloss=0.05)
    pen.ellipse(rx - 0.05, ry + 0.12, 0.1, 0.14, colour, angle=-20, gloss=0.1)


def dragon(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    main = look.main
    belly = _light(main, 0.6)
    wing = look.accent
    far = scale(main, 0.72)
    horn = (248, 234, 204)
    dino = look.variant == "dino"
    # Far-side legs first so the body overlaps them.
    pen.tube([(-0.19, 0.22), (-0.21, 0.1), (-0.2, 0.03)], [0.09, 0.075, 0.07], far)
    pen.tube([(0.08, 0.22), (0.1, 0.1), (0.11, 0.03)], [0.075, 0.065, 0.06], far)
    pen.ellipse(-0.17, 0.025, 0.065, 0.032, far)
    pen.ellipse(0.13, 0.025, 0.06, 0.03, far)
    curl = float(rng.uniform(-0.06, 0.08))
    tail = bezier((-0.2, 0.3), (-0.52, 0.12 + curl), (-0.46, 0.46 + curl), 22)
    if not dino:
        tx, ty = tail[-1]
        pen.poly(
            [(tx - 0.05, ty - 0.02), (tx + 0.0, ty + 0.09), (tx + 0.06, ty - 0.01), (tx, ty - 0.03)], wing
        )
    pen.tube(tail, [0.15, 0.1, 0.05, 0.012], main)
    if not dino:
        back = _bat_wing((-0.14, 0.38), (0.04, 0.44), (-0.2, 0.98), [(-0.3, 0.8), (-0.36, 0.6)])
        pen.poly(back, scale(wing, 0.78), gloss=0.05)
    # Spikes along the back and neck.
    spikes = [(-0.26, 0.41), (-0.16, 0.46), (-0.05, 0.48), (0.06, 0.47), (0.15, 0.54), (0.2, 0.64)]
    for x, y in spikes:
        pen.poly([(x - 0.04, y - 0.03), (x - 0.01, y + 0.07), (x + 0.04, y - 0.03)], wing, shade=0.5)
    pen.ellipse(-0.04, 0.31, 0.27, 0.17, main)
    pen.poly(
        [*ellipse_band(0.0, 0.31, 0.22, 0.14, 0.16, 0.31, axis="y")[::-1]], belly, outline=False, shade=0.4
    )
    for i in range(4):
        yy = 0.2 + i * 0.04
        pen.line([(-0.12 + i * 0.01, yy), (0.12 - i * 0.01, yy)], 0.006, scale(belly, 0.8), opacity=0.6)
    pen.tube([(0.1, 0.36), (0.2, 0.5), (0.25, 0.62)], [0.18, 0.14, 0.12], main)
    hx, hy = (0.27, 0.68) if not dino else (0.28, 0.66)
    head_r = 0.125 if not dino else 0.15
    pen.part([pen.oval(hx, hy, head_r, head_r * 0.82), pen.oval(hx + 0.11, hy - 0.04, 0.11, 0.07)], main)
    pen.ellipse(hx + 0.12, hy - 0.075, 0.08, 0.03, belly, outline=False, shade=0.3)
    if not dino:
        pen.tube(
            [(hx - 0.05, hy + 0.07), (hx - 0.1, hy + 0.15), (hx - 0.16, hy + 0.19)], [0.045, 0.028, 0.0], horn
        )
        pen.tube(
            [(hx + 0.0, hy + 0.09), (hx - 0.02, hy + 0.18), (hx - 0.07, hy + 0.23)], [0.045, 0.028, 0.0], horn
        )
        front = _bat_wing((-0.06, 0.36), (0.1, 0.42), (-0.06, 1.0), [(-0.16, 0.86), (-0.2, 0.66)])
        pen.poly(front, wing, gloss=0.1)
        for fx, fy in ((-0.16, 0.86), (-0.2, 0.66)):
            pen.line([(0.08, 0.44), (fx, fy)], 0.012, scale(wing, 0.7), opacity=0.8)
    else:
        pen.tube([(0.12, 0.38), (0.2, 0.34), (0.25, 0.28)], [0.05, 0.04, 0.03], main)
    # Near legs: a round haunch, a short shin and a chunky foot with claws.
    for lx, thigh in ((-0.13, 0.11), (0.13, 0.075)):
        pen.tube([(lx, 0.16), (lx + 0.02, 0.04)], [0.085, 0.075], main)
        pen.ellipse(lx + 0.045, 0.035, 0.075, 0.038, main)
        for k in range(3):
            pen.circle(lx + 0.07 + k * 0.025 - 0.025, 0.008, 0.013, horn, outline=False, shade=0.3)
        pen.ellipse(lx - 0.01, 0.22, thigh, thigh * 1.15, main, angle=-15)
    pen.eye(hx + 0.01, hy + 0.035, 0.048, look=(0.3, 0.05))
    pen.ellipse(hx + 0.185, hy - 0.01, 0.014, 0.01, INK, outline=False, shade=0.0)
    pen.smile(hx + 0.1, hy - 0.03, 0.06, 0.01)
    _blush(pen, hx + 0.06, hy - 0.02, 0.03)
    if look.fire:
        _flame(pen, hx + 0.22, hy - 0.05, 0.32, -8, 0.1)


def castle(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    stone = look.main
    dark_stone = scale(stone, 0.78)
    roof = look.accent
    window = (255, 214, 90) if look.night else (60, 54, 88)

    def crenellate(x0: float, x1: float, y: float, colour: RGB) -> None:
        n = max(3, round((x1 - x0) / 0.06))
        w = (x1 - x0) / (2 * n - 1)
        shapes = [pen.box(x0, y - 0.02, x1, y)]
        shapes += [pen.box(x0 + 2 * i * w, y - 0.01, x0 + (2 * i + 1) * w, y + 0.05) for i in range(n)]
        pen.part(shapes, colour)

    def tower(x: float, w: float, top: float, roof_h: float, colour: RGB) -> None:
        pen.rrect(x - w / 2, 0.0, x + w / 2, top, 0.005, colour)
        pen.poly([(x - w / 2 - 0.03, top - 0.01), (x, top + roof_h), (x + w / 2 + 0.03, top - 0.01)], roof)
        pen.line([(x, top + roof_h), (x, top + roof_h + 0.07)], 0.008, INK)
        pen.poly(
            [(x, top + roof_h + 0.07), (x + 0.07, top + roof_h + 0.05), (x, top + roof_h + 0.03)],
            look.extra,
            shade=0.3,
        )
        for wy in (top * 0.45, top * 0.75):
            pen.part(
                [pen.box(x - 0.018, wy - 0.04, x + 0.018, wy + 0.01), pen.disc(x, wy + 0.01, 0.018)],
                window,
                shade=0.2,
            )

    tower(-0.05, 0.16, 0.78, 0.2, dark_stone)
    pen.rrect(-0.32, 0.0, 0.32, 0.44, 0.0, stone)
    crenellate(-0.32, 0.32, 0.44, stone)
    tower(-0.36, 0.15, 0.64, 0.22, stone)
    tower(0.36, 0.15, 0.64, 0.22, stone)
    # Stone blocks hint.
    for row in range(4):
        y = 0.08 + row * 0.09
        off = 0.04 if row % 2 else 0.0
        for i in range(6):
            x = -0.26 + off + i * 0.1
            pen.line([(x, y), (x + 0.05, y)], 0.006, scale(stone, 0.82), opacity=0.7)
    pen.part([pen.box(-0.09, 0.0, 0.09, 0.17), pen.disc(0.0, 0.17, 0.09)], (58, 40, 40), shade=0.3)
    for i in range(4):
        x = -0.06 + i * 0.04
        pen.line([(x, 0.0), (x, 0.22)], 0.008, (120, 110, 120), opacity=0.8)
    pen.line([(-0.09, 0.1), (0.09, 0.1)], 0.008, (120, 110, 120), opacity=0.8)
    for wx in (-0.2, 0.2):
        pen.part([pen.box(wx - 0.025, 0.24, wx + 0.025, 0.32), pen.disc(wx, 0.32, 0.025)], window, shade=0.2)


def tree(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    leaves = look.main
    bark = (128, 84, 50)
    variant = look.variant
    if variant == "pine":
        pen.rrect(-0.05, 0.0, 0.05, 0.22, 0.01, bark)
        for i, (y, w) in enumerate(((0.12, 0.42), (0.36, 0.34), (0.58, 0.26))):
            tone = scale(leaves, 0.85 + 0.08 * i)
            pts = [(-w, y), (0.0, y + 0.4 - 0.04 * i), (w, y)]
            pen.poly(pts, tone)
        if look.night or "snow" in variant:
            return
        return
    if variant == "palm":
        trunk = bezier((0.0, 0.0), (0.02, 0.4), (0.14, 0.7), 16)
        pen.tube(trunk, [0.09, 0.07, 0.05], (170, 120, 70))
        tx, ty = trunk[-1]
        for ang in (15, 60, 110, 160, 200, -20):
            a = math.radians(ang)
            end = (tx + math.cos(a) * 0.34, ty + math.sin(a) * 0.2 - 0.12)
            ctrl = (tx + math.cos(a) * 0.2, ty + 0.12)
            pen.tube(bezier((tx, ty), ctrl, end, 14), [0.02, 0.09, 0.0], leaves)
        for dx in (-0.03, 0.03):
            pen.circle(tx + dx, ty - 0.04, 0.032, (120, 80, 40))
        return
    pen.tube(bezier((0.0, 0.0), (-0.02, 0.25), (0.0, 0.48), 10), [0.14, 0.09, 0.07], bark)
    pen.tube([(0.0, 0.35), (0.12, 0.47)], [0.05, 0.02], bark)
    pen.tube([(0.0, 0.4), (-0.12, 0.52)], [0.05, 0.02], bark)
    blobs = [
        (-0.18, 0.58, 0.17),
        (0.18, 0.58, 0.17),
        (0.0, 0.74, 0.22),
        (-0.12, 0.86, 0.15),
        (0.12, 0.88, 0.14),
    ]
    pen.part([pen.disc(x, y, r) for x, y, r in blobs], leaves, gloss=0.05)
    for x, y, r in blobs[:3]:
        pen.circle(
            x - r * 0.25, y + r * 0.3, r * 0.45, _light(leaves, 0.25), outline=False, shade=0.0, opacity=0.5
        )
    if variant in ("apple", "blossom") or rng.random() < 0.4:
        fruit = look.accent
        for _ in range(6):
            a = rng.uniform(0, 2 * math.pi)
            d = rng.uniform(0.05, 0.22)
            pen.circle(math.cos(a) * d, 0.72 + math.sin(a) * d * 0.8, 0.03, fruit, gloss=0.4)


def forest(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    spots = [(-0.42, 0.55, 0.05), (0.4, 0.6, 0.06), (-0.22, 0.75, 0.0), (0.22, 0.8, 0.0), (0.0, 1.0, -0.02)]
    for i, (x, k, y) in enumerate(spots):
        sub = Pen(pen.painter, pen.cx + x * pen.size, pen.base - y * pen.size, pen.size * k, pen.flip)
        tone = shift_hue(look.main, (i - 2) * 6, val=0.85 + 0.05 * i)
        variant = "pine" if (look.variant == "pine" or rng.random() < 0.4) and i != 4 else ""
        tree(sub, Look(tone, look.accent, look.extra, variant, look.night), rng)


def house(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    walls = look.main
    roof = look.accent
    glass = (255, 214, 100) if look.night else (150, 206, 240)
    pen.rrect(0.14, 0.55, 0.24, 0.86, 0.0, (170, 80, 60))
    if not look.night:
        for i, r in enumerate((0.035, 0.05, 0.065)):
            pen.circle(
                0.2 + i * 0.05, 0.92 + i * 0.08, r, (236, 236, 240), outline=False, shade=0.5, opacity=0.8
            )
    pen.rrect(-0.32, 0.0, 0.32, 0.5, 0.0, walls)
    pen.poly([(-0.42, 0.46), (0.0, 0.84), (0.42, 0.46)], roof)
    pen.line([(-0.42, 0.46), (0.0, 0.84), (0.42, 0.46)], 0.012, scale(roof, 0.7))
    pen.circle(0.0, 0.62, 0.055, glass)
    pen.rrect(-0.075, 0.0, 0.075, 0.26, 0.06, (150, 92, 54))
    pen.circle(0.045, 0.12, 0.013, (250, 210, 80), outline=False)
    for wx in (-0.2, 0.2):
        pen.rrect(wx - 0.07, 0.22, wx + 0.07, 0.38, 0.01, glass, gloss=0.35)
        pen.line([(wx, 0.22), (wx, 0.38)], 0.012, WHITE)
        pen.line([(wx - 0.07, 0.3), (wx + 0.07, 0.3)], 0.012, WHITE)
        pen.rrect(wx - 0.085, 0.18, wx + 0.085, 0.22, 0.01, (150, 100, 60))
        for k in range(3):
            pen.circle(wx - 0.05 + k * 0.05, 0.225, 0.022, look.extra, outline=False, shade=0.4)


def cat(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    fur = look.main
    light = _light(fur, 0.65)
    variant = look.variant
    dark = scale(fur, 0.55)
    tail = bezier((0.16, 0.06), (0.46, 0.08), (0.36, 0.4), 16)
    pen.tube(tail, [0.075, 0.065, 0.055], fur)
    if variant == "lion":
        tx, ty = tail[-1]
        pen.circle(tx, ty + 0.02, 0.045, look.accent)
    pen.ellipse(0.0, 0.22, 0.22, 0.23, fur)
    pen.ellipse(0.0, 0.19, 0.12, 0.15, light, outline=False, shade=0.4)
    if variant == "lion":
        mane = wobbly_blob(0.0, 0.56, 0.3, 0.27, rng, 12, 0.1)
        pen.poly(mane, look.accent, gloss=0.05)
    for x in (-0.1, 0.1):
        pen.ellipse(x, 0.035, 0.075, 0.045, light)
    for side in (-1, 1):
        pen.poly([(side * 0.21, 0.62), (side * 0.17, 0.84), (side * 0.05, 0.72)], fur)
        pen.poly(
            [(side * 0.18, 0.66), (side * 0.16, 0.78), (side * 0.09, 0.71)],
            (250, 170, 180),
            outline=False,
            shade=0.2,
        )
    pen.ellipse(0.0, 0.56, 0.22, 0.19, fur)
    if variant in ("tiger", "stripes"):
        for side in (-1, 1):
            for k in range(3):
                y = 0.28 + k * 0.08
                pen.tube(
                    [(side * 0.22, y), (side * 0.13, y + 0.01)], [0.03, 0.0], dark, outline=False, shade=0.0
                )
            pen.tube([(side * 0.21, 0.56), (side * 0.13, 0.58)], [0.025, 0.0], dark, outline=False, shade=0.0)
        for dx in (-0.04, 0.0, 0.04):
            pen.tube([(dx, 0.74), (dx * 0.6, 0.67)], [0.022, 0.0], dark, outline=False, shade=0.0)
    if variant == "spots":
        for _ in range(9):
            pen.circle(
                float(rng.uniform(-0.16, 0.16)), float(rng.uniform(0.12, 0.36)), 0.02, dark, outline=False
            )
    for x in (-0.05, 0.05):
        pen.ellipse(x, 0.49, 0.055, 0.045, light, outline=False, shade=0.3)
    pen.eye(-0.085, 0.6, 0.05, look=(0.15, -0.05))
    pen.eye(0.085, 0.6, 0.05, look=(0.15, -0.05))
    pen.poly([(-0.025, 0.53), (0.025, 0.53), (0.0, 0.505)], (240, 120, 140), outline=False, shade=0.2)
    pen.line(arc_points(-0.022, 0.5, 0.022, 200, 340, 8), 0.008, INK)
    pen.line(arc_points(0.022, 0.5, 0.022, 200, 340, 8), 0.008, INK)
    for side in (-1, 1):
        for k in (-1, 0, 1):
            pen.line(
                [(side * 0.08, 0.5 + k * 0.015), (side * 0.25, 0.51 + k * 0.04)], 0.006, INK, opacity=0.7
            )
    _blush(pen, -0.14, 0.52, 0.035)
    _blush(pen, 0.14, 0.52, 0.035)


def dog(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    fur = look.main
    light = _light(fur, 0.65)
    variant = look.variant
    pointy = variant in ("fox", "wolf")
    far = scale(fur, 0.75)
    pen.tube([(0.1, 0.25), (0.12, 0.03)], [0.08, 0.07], far)
    pen.tube([(-0.2, 0.25), (-0.18, 0.03)], [0.08, 0.07], far)
    if variant == "fox":
        tail = bezier((-0.26, 0.32), (-0.5, 0.3), (-0.46, 0.56), 14)
        pen.tube(tail, [0.08, 0.15, 0.06], fur)
        pen.circle(tail[-1][0], tail[-1][1], 0.05, WHITE)
    else:
        pen.tube(bezier((-0.26, 0.34), (-0.4, 0.42), (-0.36, 0.58), 12), [0.06, 0.045, 0.03], fur)
    pen.ellipse(-0.05, 0.32, 0.26, 0.14, fur)
    pen.ellipse(0.08, 0.3, 0.12, 0.1, light, outline=False, shade=0.3)
    for lx in (0.13, -0.16):
        pen.tube([(lx, 0.26), (lx + 0.01, 0.04)], [0.085, 0.075], fur)
        pen.ellipse(lx + 0.025, 0.03, 0.055, 0.03, light)
    pen.tube([(0.16, 0.4), (0.2, 0.52)], [0.14, 0.12], fur)
    pen.tube(arc_points(0.18, 0.52, 0.1, 240, 320, 8), 0.035, look.accent)
    pen.circle(0.2, 0.41, 0.025, (250, 206, 70), gloss=0.4)
    if pointy:
        for dx in (-0.05, 0.06):
            pen.poly([(0.15 + dx, 0.64), (0.17 + dx, 0.8), (0.23 + dx, 0.66)], fur)
    pen.circle(0.2, 0.56, 0.14, fur)
    snout_r = 0.09 if not pointy else 0.1
    pen.ellipse(0.32, 0.51, snout_r, 0.06, light)
    pen.ellipse(0.405, 0.535, 0.03, 0.024, INK, gloss=0.5)
    pen.ellipse(0.35, 0.455, 0.028, 0.035, (240, 110, 130), shade=0.3)
    pen.smile(0.33, 0.5, 0.04, 0.008)
    if not pointy:
        pen.ellipse(0.11, 0.53, 0.05, 0.11, scale(fur, 0.6), angle=-20)
    pen.eye(0.24, 0.6, 0.04, look=(0.3, 0.05))
    _blush(pen, 0.27, 0.52, 0.025)


def fish(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    body = look.main
    fin = look.accent
    shark = look.variant == "shark"
    cy = 0.32
    pen.poly([(-0.26, cy), (-0.46, cy + 0.17), (-0.4, cy), (-0.46, cy - 0.17)], fin)
    if shark:
        pen.poly([(-0.08, cy + 0.15), (0.0, cy + 0.34), (0.08, cy + 0.16)], body)
    else:
        pen.poly(bezier((-0.16, cy + 0.16), (-0.02, cy + 0.34), (0.12, cy + 0.17), 12), fin)
    pen.ellipse(0.0, cy, 0.3, 0.19 if not shark else 0.15, body)
    if shark:
        pen.poly(
            ellipse_band(0.0, cy, 0.27, 0.13, cy - 0.13, cy - 0.03, axis="y"), WHITE, outline=False, shade=0.3
        )
    else:
        for x0 in (-0.14, 0.06):
            pen.poly(ellipse_band(0.0, cy, 0.28, 0.175, x0, x0 + 0.06), look.extra, outline=False, shade=0.4)
    pen.ellipse(-0.02, cy - 0.03, 0.07, 0.03, mix(fin, WHITE, 0.25), angle=20, shade=0.5)
    pen.eye(0.16, cy + 0.05, 0.055, look=(0.35, 0.0))
    if shark:
        pen.line(arc_points(0.2, cy - 0.01, 0.06, 210, 330, 10), 0.012, INK)
        for k in range(3):
            x = 0.16 + k * 0.025
            pen.poly([(x, cy - 0.045), (x + 0.012, cy - 0.07), (x + 0.024, cy - 0.045)], WHITE, outline=False)
    else:
        pen.smile(0.25, cy - 0.02, 0.04, 0.01)
        _blush(pen, 0.18, cy - 0.03, 0.025)


def whale(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    body = look.main
    belly = _light(body, 0.7)
    cy = 0.3
    tail = bezier((-0.3, cy + 0.02), (-0.45, cy + 0.05), (-0.52, cy + 0.2), 12)
    pen.tube(tail, [0.18, 0.09, 0.05], body)
    tx, ty = tail[-1]
    pen.part(
        [pen.oval(tx - 0.07, ty + 0.04, 0.09, 0.04, 25), pen.oval(tx + 0.06, ty + 0.05, 0.09, 0.04, -30)],
        body,
    )
    pen.ellipse(0.02, cy, 0.38, 0.22, body)
    pen.poly(
        ellipse_band(0.02, cy, 0.36, 0.2, cy - 0.2, cy - 0.07, axis="y"), belly, outline=False, shade=0.35
    )
    for k in range(4):
        y = cy - 0.1 - k * 0.025
        pen.line([(-0.12 + k * 0.04, y), (0.28 - k * 0.03, y)], 0.006, scale(belly, 0.8), opacity=0.7)
    pen.ellipse(-0.02, cy - 0.12, 0.1, 0.04, scale(body, 0.85), angle=-30)
    if look.variant == "dolphin":
        pen.poly([(-0.1, cy + 0.18), (-0.02, cy + 0.34), (0.06, cy + 0.2)], body)
    pen.eye(0.24, cy + 0.03, 0.04, look=(0.3, 0.0))
    pen.line(arc_points(0.3, cy + 0.02, 0.08, 215, 320, 10), 0.01, INK)
    _blush(pen, 0.27, cy - 0.04, 0.03)


def rocket(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    if look.variant == "ufo":
        _ufo(pen, look)
        return
    body = look.main
    trim = look.accent
    _flame(pen, 0.0, 0.21, 0.24, -90, 0.13)
    for side in (-1, 1):
        pen.poly([(side * 0.1, 0.42), (side * 0.26, 0.2), (side * 0.25, 0.12), (side * 0.1, 0.24)], trim)
    right = bezier((0.0, 1.0), (0.2, 0.76), (0.12, 0.22), 16)
    outline = right + [(0.09, 0.2), (-0.09, 0.2)] + [(-x, y) for x, y in right[::-1]]
    pen.poly(outline, body, gloss=0.35)
    cone = [(x, y) for x, y in right if y >= 0.78]
    pen.poly(cone + [(-x, y) for x, y in cone[::-1]], trim, outline=False, shade=0.8)
    pen.line([(-0.13, 0.78), (0.13, 0.78)], 0.012, scale(trim, 0.7))
    pen.rrect(-0.1, 0.18, 0.1, 0.24, 0.01, (120, 124, 140))
    pen.ellipse(0.0, 0.28, 0.025, 0.1, trim)
    pen.circle(0.0, 0.58, 0.085, (200, 206, 220))
    pen.circle(0.0, 0.58, 0.06, (110, 190, 240), gloss=0.6)


def _ufo(pen: Pen, look: Look) -> None:
    pen.ellipse(0.0, 0.62, 0.16, 0.16, (150, 220, 240), gloss=0.6, opacity=0.9)
    pen.ellipse(0.0, 0.5, 0.42, 0.1, look.main, gloss=0.4)
    pen.ellipse(0.0, 0.47, 0.3, 0.05, scale(look.main, 0.75), outline=False)
    for i in range(5):
        pen.circle(-0.28 + i * 0.14, 0.47, 0.03, (255, 230, 90), gloss=0.5)
    pen.poly(
        [(-0.12, 0.42), (0.12, 0.42), (0.26, 0.02), (-0.26, 0.02)],
        (255, 250, 180),
        outline=False,
        shade=0.0,
        opacity=0.25,
    )


def boat(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    hull = look.main
    sail = (250, 248, 240)
    pen.rrect(-0.015, 0.2, 0.015, 0.98, 0.0, (120, 80, 48))
    pen.poly([(0.03, 0.3), (0.03, 0.92), (0.36, 0.32)], sail, gloss=0.05)
    pen.poly([(-0.03, 0.34), (-0.03, 0.86), (-0.3, 0.34)], scale(sail, 0.95), gloss=0.05)
    pen.poly([(0.015, 0.98), (0.14, 0.94), (0.015, 0.9)], look.accent, shade=0.3)
    pen.poly([(-0.46, 0.28), (0.48, 0.28), (0.32, 0.0), (-0.34, 0.0)], hull)
    pen.poly([(-0.44, 0.25), (0.46, 0.25), (0.43, 0.2), (-0.42, 0.2)], look.accent, outline=False, shade=0.3)
    for i in range(3):
        pen.circle(-0.2 + i * 0.15, 0.13, 0.03, (210, 230, 245))
    waves: list[Point] = []
    for i in range(41):
        x = -1.0 + i * 0.05
        waves.append((x, 0.04 + 0.025 * math.sin(i * 1.9) + (0.02 if i % 2 else 0.0)))
    waves += [(1.0, -0.6), (-1.0, -0.6)]
    pen.poly(waves, look.water, shade=0.0, line=mix(look.water, WHITE, 0.7))


def robot(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    metal = look.main
    glow = look.accent
    dark = mix(scale(metal, 0.45), (30, 30, 60), 0.3)
    for x in (-0.1, 0.1):
        pen.rrect(x - 0.045, 0.04, x + 0.045, 0.2, 0.01, dark)
        pen.rrect(x - 0.08, 0.0, x + 0.07, 0.06, 0.025, metal)
    for side in (-1, 1):
        pen.tube([(side * 0.22, 0.46), (side * 0.3, 0.36), (side * 0.33, 0.26)], 0.06, dark)
        pen.part([pen.disc(side * 0.33, 0.24, 0.05)], metal, cut=[pen.disc(side * 0.33, 0.2, 0.03)])
    pen.rrect(-0.22, 0.18, 0.22, 0.52, 0.05, metal, gloss=0.4)
    pen.rrect(-0.13, 0.25, 0.13, 0.44, 0.03, dark)
    for i, c in enumerate(((240, 70, 70), (250, 210, 60), glow)):
        pen.circle(-0.07 + i * 0.07, 0.39, 0.025, c, gloss=0.6)
    for i in range(3):
        pen.line([(-0.09, 0.29 + i * 0.025), (0.09, 0.29 + i * 0.025)], 0.008, mix(dark, glow, 0.4))
    pen.rrect(-0.05, 0.5, 0.05, 0.58, 0.0, dark)
    pen.line([(0.0, 0.84), (0.0, 0.95)], 0.012, dark)
    pen.circle(0.0, 0.96, 0.032, (240, 70, 70), gloss=0.6)
    for side in (-1, 1):
        pen.circle(side * 0.19, 0.7, 0.035, dark)
    pen.rrect(-0.18, 0.56, 0.18, 0.85, 0.06, metal, gloss=0.4)
    pen.rrect(-0.14, 0.64, 0.14, 0.78, 0.04, (36, 40, 60), shade=0.3)
    for x in (-0.07, 0.07):
        pen.circle(x, 0.71, 0.042, glow, gloss=0.7, line=scale(glow, 0.5))
        pen.circle(x + 0.012, 0.722, 0.012, WHITE, outline=False, shade=0.0)
    pen.rrect(-0.07, 0.595, 0.07, 0.625, 0.01, glow, outline=False, shade=0.3)


def flower(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    stem = (70, 160, 70)
    sunflower = look.variant == "sunflower"
    plan = [(-0.28, 0.5, 0.1, -35.0), (0.3, 0.58, 0.11, 40.0), (0.0, 0.84, 0.16, 0.0)]
    for i, (x, h, r, hue) in enumerate(plan):
        top = (x, h)
        pts = bezier((x * 0.3, 0.0), (x * 0.2 + 0.05, h * 0.5), top, 12)
        pen.tube(pts, [0.035, 0.025], stem)
        mid = pts[len(pts) // 2]
        side = -1 if i % 2 else 1
        pen.ellipse(mid[0] + side * 0.07, mid[1], 0.075, 0.03, stem, angle=side * 25)
        petals = look.main if i == 2 else shift_hue(look.main, hue)
        if sunflower:
            petals = look.main
        n = 12 if sunflower else 7 + (i % 2)
        for k in range(n):
            a = 2 * math.pi * k / n + (0.3 if i == 1 else 0.0)
            pen.ellipse(
                x + math.cos(a) * r * 0.9,
                h + math.sin(a) * r * 0.9,
                r * 0.62,
                r * 0.36,
                petals,
                angle=math.degrees(a),
                gloss=0.1,
            )
        centre = look.accent
        pen.circle(x, h, r * (0.55 if sunflower else 0.45), centre, gloss=0.3)
        for k in range(5):
            a = 2 * math.pi * k / 5
            pen.circle(
                x + math.cos(a) * r * 0.2,
                h + math.sin(a) * r * 0.2,
                r * 0.07,
                scale(centre, 0.7),
                outline=False,
            )
        if i == 2 and not sunflower:
            pen.eye(x - r * 0.18, h + r * 0.08, r * 0.13, look=(0.0, 0.0))
            pen.eye(x + r * 0.18, h + r * 0.08, r * 0.13, look=(0.0, 0.0))
            pen.smile(x, h - r * 0.02, r * 0.15, r * 0.05)


def mountain(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    rock = look.main
    volcano = look.variant == "volcano"

    def ridge(x0: float, x1: float, peak_x: float, peak_y: float, jag: float) -> list[Point]:
        pts: list[Point] = [(x0, 0.0)]
        for i in range(1, 12):
            t = i / 12
            x = x0 + (peak_x - x0) * t
            pts.append((x, peak_y * t + float(rng.uniform(-jag, jag)) * (1 - t)))
        pts.append((peak_x, peak_y))
        for i in range(1, 12):
            t = i / 12
            x = peak_x + (x1 - peak_x) * t
            pts.append((x, peak_y * (1 - t) + float(rng.uniform(-jag, jag)) * t * (1 - t) * 2))
        pts.append((x1, 0.0))
        return pts

    pen.poly(ridge(-0.62, 0.1, -0.3, 0.62, 0.03), scale(rock, 0.8))
    if volcano:
        main = ridge(-0.5, 0.56, 0.03, 0.82, 0.02)
        main = [(x, min(y, 0.8)) for x, y in main]
        pen.poly(main, rock)
        pen.ellipse(0.03, 0.8, 0.1, 0.025, (255, 130, 40), shade=0.2)
        for dx, ln in ((-0.05, 0.22), (0.02, 0.32), (0.08, 0.16)):
            pen.tube(
                [(0.03 + dx, 0.8), (0.03 + dx * 1.8, 0.8 - ln)], [0.035, 0.01], (250, 110, 30), shade=0.3
            )
        for i, r in enumerate((0.06, 0.08, 0.1)):
            pen.circle(
                0.03 + i * 0.05, 0.92 + i * 0.09, r, (120, 110, 120), outline=False, shade=0.6, opacity=0.8
            )
        return
    main = ridge(-0.5, 0.58, 0.05, 0.98, 0.025)
    pen.poly(main, rock)
    cap = [(x, y) for x, y in main if y > 0.66]
    wave = [(cap[-1][0], 0.66)]
    for i in range(7):
        t = i / 6
        x = cap[-1][0] + (cap[0][0] - cap[-1][0]) * t
        wave.append((x, 0.64 + (0.04 if i % 2 else -0.02)))
    pen.poly(cap + wave, (246, 248, 255), outline=False, shade=0.6)
    pen.line([(0.05, 0.98), (0.05, 1.1)], 0.008, INK)
    pen.poly([(0.05, 1.1), (0.13, 1.07), (0.05, 1.04)], look.accent, shade=0.3)


def unicorn(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    coat = look.main
    horse = look.variant == "horse"
    hair: tuple[RGB, ...] = (
        (scale(coat, 0.45), scale(coat, 0.55))
        if horse and look.variant != "rainbow"
        else ((240, 90, 150), (250, 170, 60), (120, 200, 240), (170, 120, 230))
    )
    far = scale(coat, 0.8)
    for x in (0.08, -0.22):
        pen.tube([(x, 0.36), (x - 0.02, 0.2), (x + 0.02, 0.05)], [0.075, 0.055, 0.05], far)
    for i, c in enumerate(hair):
        root = (-0.27, 0.47 - i * 0.015)
        pts = bezier(
            root,
            (-0.42, 0.5 - i * 0.02),
            (-0.32 - i * 0.03, 0.28),
            14,
            p3=(-0.42 - i * 0.035, 0.1 + i * 0.02),
        )
        pen.tube(pts, [0.05, 0.045, 0.0], c)
    if look.wings:
        _feather_wing(pen, (-0.04, 0.5), WHITE)
    pen.ellipse(-0.04, 0.42, 0.27, 0.14, coat)
    pen.part([pen.limb([(0.14, 0.45), (0.22, 0.6), (0.26, 0.7)], [0.16, 0.12, 0.1])], coat)
    pen.ellipse(0.31, 0.69, 0.13, 0.075, coat, angle=-35)
    pen.ellipse(0.39, 0.62, 0.055, 0.05, mix(coat, (250, 190, 200), 0.5))
    pen.poly([(0.22, 0.76), (0.22, 0.86), (0.28, 0.79)], coat)
    if not horse:
        horn = [(0.27, 0.8), (0.35, 0.99), (0.31, 0.78)]
        pen.poly(horn, (246, 206, 80), gloss=0.5)
        for k in range(3):
            t = 0.25 + k * 0.22
            pen.line(
                [(0.27 + 0.04 * t, 0.8 + 0.19 * t - 0.01), (0.31 + 0.04 * t - 0.01, 0.79 + 0.19 * t)],
                0.007,
                (200, 150, 50),
            )
    # Mane: wavy tapered locks from the poll down the crest of the neck.
    for i in range(6):
        t = i / 5
        root = (0.25 - 0.17 * t, 0.8 - 0.26 * t)
        sway = 0.05 + 0.02 * (i % 2)
        tip = (root[0] - 0.1 - 0.02 * t, root[1] - 0.12)
        pts = bezier(root, (root[0] - sway, root[1] + 0.03), (root[0] - 0.02, root[1] - 0.08), 12, p3=tip)
        pen.tube(pts, [0.05, 0.04, 0.0], hair[i % len(hair)])
    for x in (0.14, -0.18):
        pen.tube([(x, 0.38), (x + 0.03, 0.2), (x + 0.01, 0.05)], [0.085, 0.06, 0.055], coat)
        pen.rrect(x - 0.035, 0.0, x + 0.05, 0.05, 0.01, (246, 206, 80) if not horse else (90, 70, 60))
    pen.eye(0.3, 0.72, 0.035, look=(0.3, 0.0))
    pen.line([(0.28, 0.75), (0.265, 0.775)], 0.007, INK)
    _blush(pen, 0.34, 0.67, 0.025)


def bird(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    plume = look.main
    belly = _light(plume, 0.6)
    beak = (250, 168, 40)
    variant = look.variant
    if variant == "owl":
        pen.ellipse(0.0, 0.4, 0.22, 0.28, plume)
        pen.ellipse(0.0, 0.34, 0.14, 0.19, belly, outline=False, shade=0.4)
        for side in (-1, 1):
            pen.poly([(side * 0.17, 0.58), (side * 0.2, 0.74), (side * 0.08, 0.64)], plume)
            pen.ellipse(side * 0.2, 0.38, 0.06, 0.16, scale(plume, 0.8), angle=side * 10)
            pen.circle(side * 0.085, 0.55, 0.075, _light(plume, 0.8))
            pen.eye(side * 0.085, 0.55, 0.055, look=(0.0, 0.0))
        pen.poly([(-0.03, 0.49), (0.03, 0.49), (0.0, 0.43)], beak)
        for side in (-1, 1):
            pen.line([(side * 0.06, 0.12), (side * 0.06, 0.06)], 0.02, beak)
        return
    if variant == "penguin":
        pen.ellipse(0.0, 0.36, 0.2, 0.32, (44, 46, 64))
        pen.ellipse(0.0, 0.32, 0.14, 0.25, WHITE, outline=False, shade=0.4)
        for side in (-1, 1):
            pen.ellipse(side * 0.21, 0.36, 0.05, 0.15, (44, 46, 64), angle=side * 20)
            pen.ellipse(side * 0.07, 0.03, 0.07, 0.03, beak)
            pen.eye(side * 0.06, 0.56, 0.04, look=(0.0, 0.0))
        pen.poly([(-0.035, 0.5), (0.035, 0.5), (0.0, 0.44)], beak)
        return
    tail_c = scale(plume, 0.8)
    for ang in (150, 165, 180):
        pen.ellipse(-0.3, 0.48 + (ang - 165) / 600, 0.12, 0.04, tail_c, angle=ang - 180)
    if variant == "phoenix" or look.fire:
        for ang, ln in ((170, 0.3), (185, 0.36), (200, 0.28)):
            _flame(pen, -0.28, 0.48, ln, ang, 0.07)
    pen.ellipse(-0.04, 0.62, 0.19, 0.08, scale(plume, 0.75), angle=55)
    pen.ellipse(0.0, 0.46, 0.22, 0.17, plume)
    pen.poly(
        ellipse_band(0.0, 0.46, 0.2, 0.15, 0.3, 0.44, axis="y"),
        look.extra if variant == "robin" else belly,
        outline=False,
        shade=0.4,
    )
    pen.circle(0.18, 0.6, 0.13, plume if variant != "eagle" else WHITE)
    if variant == "chicken":
        for k in range(3):
            pen.circle(0.14 + k * 0.04, 0.73 + (k % 2) * 0.015, 0.028, (230, 50, 50))
    pen.poly(
        [(0.28, 0.63), (0.42, 0.58), (0.28, 0.54)]
        if variant != "duck"
        else [(0.27, 0.62), (0.43, 0.6), (0.42, 0.55), (0.27, 0.54)],
        beak,
    )
    pen.eye(0.21, 0.63, 0.045, look=(0.3, 0.05))
    _blush(pen, 0.24, 0.56, 0.025)
    pen.ellipse(-0.02, 0.54, 0.2, 0.075, look.accent, angle=28)
    for leg in (-0.05, 0.05):
        pen.line([(leg, 0.3), (leg + 0.02, 0.22)], 0.014, beak)


def sword(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    blade = look.main
    guard = look.accent
    gem = look.extra
    pen.part([pen.shape(wobbly_blob(0.0, 0.05, 0.3, 0.12, rng, 5, 0.12))], (140, 138, 150))
    pen.poly([(-0.065, 0.1), (0.065, 0.1), (0.065, 0.68), (-0.065, 0.68)], blade, gloss=0.6)
    pen.poly(
        [(-0.012, 0.12), (0.012, 0.12), (0.012, 0.66), (-0.012, 0.66)],
        _light(blade, 0.4),
        outline=False,
        shade=0.3,
    )
    pen.part([pen.shape(wobbly_blob(0.0, 0.08, 0.26, 0.07, rng, 4, 0.15))], (156, 154, 166))
    pen.rrect(-0.22, 0.67, 0.22, 0.73, 0.03, guard, gloss=0.5)
    pen.circle(0.0, 0.7, 0.04, gem, gloss=0.6)
    pen.rrect(-0.035, 0.73, 0.035, 0.9, 0.01, (120, 72, 44))
    for i in range(4):
        y = 0.76 + i * 0.035
        pen.line([(-0.035, y), (0.035, y + 0.02)], 0.008, (80, 48, 30))
    pen.circle(0.0, 0.93, 0.045, guard, gloss=0.5)


def monster(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    fur = look.main
    belly = _light(fur, 0.55)
    horn = look.accent
    for x in (-0.13, 0.13):
        pen.ellipse(x, 0.04, 0.09, 0.05, scale(fur, 0.7))
    for side in (-1, 1):
        pen.tube([(side * 0.26, 0.38), (side * 0.38, 0.5), (side * 0.4, 0.62)], [0.09, 0.07, 0.06], fur)
    if look.variant != "alien":
        for side in (-1, 1):
            pen.tube(
                bezier((side * 0.14, 0.7), (side * 0.24, 0.82), (side * 0.18, 0.94), 10),
                [0.08, 0.05, 0.0],
                horn,
            )
    else:
        for side in (-1, 1):
            pen.line([(side * 0.08, 0.7), (side * 0.16, 0.92)], 0.012, scale(fur, 0.6))
            pen.circle(side * 0.16, 0.93, 0.035, horn)
    body = wobbly_blob(0.0, 0.4, 0.3, 0.33, rng, 14, 0.05)
    pen.poly(body, fur)
    pen.ellipse(0.0, 0.3, 0.18, 0.18, belly, outline=False, shade=0.4)
    for _ in range(5):
        a = rng.uniform(0, 2 * math.pi)
        pen.circle(
            0.22 * math.cos(a), 0.42 + 0.25 * math.sin(a), 0.025, scale(fur, 0.8), outline=False, shade=0.0
        )
    eyes = 3 if look.variant == "alien" else 1 + int(rng.integers(0, 2))
    if eyes == 1:
        pen.eye(0.0, 0.56, 0.1, look=(0.0, -0.1))
    else:
        for i in range(eyes):
            x = (i - (eyes - 1) / 2) * 0.12
            pen.eye(x, 0.56 + (0.03 if eyes == 3 and i == 1 else 0.0), 0.055, look=(0.0, -0.1))
    mouth = ellipse_band(0.0, 0.4, 0.13, 0.09, 0.31, 0.4, axis="y")
    pen.poly(mouth, (90, 30, 50), shade=0.2)
    for side in (-1, 1):
        pen.poly(
            [(side * 0.07, 0.4), (side * 0.03, 0.4), (side * 0.05, 0.35)], WHITE, outline=False, shade=0.0
        )
    _blush(pen, -0.17, 0.45, 0.035)
    _blush(pen, 0.17, 0.45, 0.035)


def ghost(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    sheet = look.main
    pts = arc_points(0.0, 0.55, 0.24, 0, 180, 20)
    pts += [(-0.26, 0.22)]
    for i in range(5):
        x0 = -0.26 + i * 0.104
        pts += bezier((x0, 0.22), (x0 + 0.052, 0.08 + (0.04 if i % 2 else 0.0)), (x0 + 0.104, 0.22), 6)[1:]
    pen.poly(pts, sheet, opacity=0.92, gloss=0.2)
    for side in (-1, 1):
        pen.ellipse(side * 0.27, 0.42, 0.06, 0.035, sheet, angle=side * 30, opacity=0.92)
        pen.ellipse(side * 0.08, 0.55, 0.035, 0.05, INK, outline=False, shade=0.0)
        pen.circle(side * 0.08 + 0.012, 0.57, 0.012, WHITE, outline=False, shade=0.0)
    pen.ellipse(0.0, 0.44, 0.03, 0.04, INK, outline=False, shade=0.0)
    _blush(pen, -0.15, 0.48, 0.03)
    _blush(pen, 0.15, 0.48, 0.03)


def creature(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    """A friendly made-up animal; its body plan comes from the word's own hash (see ``variant``)."""
    plan = np.random.default_rng(word_hash(look.variant or "creature"))
    fur = look.main
    belly = _light(fur, 0.6)
    aspect = float(plan.uniform(0.75, 1.3))
    rx, ry = 0.26 * math.sqrt(aspect), 0.26 / math.sqrt(aspect)
    cy = 0.12 + ry
    legs = int(plan.integers(0, 3))
    ears = ("round", "pointy", "antennae", "horns", "none")[int(plan.integers(0, 5))]
    eyes = (1, 2, 2, 2, 3)[int(plan.integers(0, 5))]
    pattern = ("spots", "stripes", "belly", "belly")[int(plan.integers(0, 4))]
    tail = bool(plan.integers(0, 2))
    if tail:
        pen.tube(
            bezier((-rx * 0.8, cy - ry * 0.3), (-rx - 0.2, cy), (-rx - 0.12, cy + 0.2), 14),
            [0.07, 0.05, 0.03],
            fur,
        )
        pen.circle(-rx - 0.12, cy + 0.21, 0.05, look.accent)
    leg_xs = [(-0.12, 0.12), (-0.16, -0.05, 0.06, 0.17), (-0.1, 0.1)][legs]
    for x in leg_xs:
        pen.tube([(x * rx / 0.26, cy - ry * 0.5), (x * rx / 0.26, 0.03)], [0.08, 0.07], scale(fur, 0.85))
        pen.ellipse(x * rx / 0.26 + 0.015, 0.025, 0.055, 0.03, scale(fur, 0.85))
    top = cy + ry
    if ears == "round":
        for side in (-1, 1):
            pen.circle(side * rx * 0.55, top - 0.02, 0.075, fur)
            pen.circle(side * rx * 0.55, top - 0.02, 0.04, BLUSH, outline=False, shade=0.2)
    elif ears == "pointy":
        for side in (-1, 1):
            pen.poly(
                [
                    (side * rx * 0.3, top - 0.05),
                    (side * rx * 0.75, top + 0.14),
                    (side * rx * 0.85, top - 0.1),
                ],
                fur,
            )
    elif ears == "antennae":
        for side in (-1, 1):
            pen.line([(side * 0.05, top - 0.02), (side * 0.14, top + 0.14)], 0.012, scale(fur, 0.6))
            pen.circle(side * 0.14, top + 0.15, 0.035, look.accent)
    elif ears == "horns":
        for side in (-1, 1):
            pen.tube(
                bezier(
                    (side * rx * 0.45, top - 0.04),
                    (side * rx * 0.8, top + 0.06),
                    (side * rx * 0.6, top + 0.15),
                    10,
                ),
                [0.06, 0.0],
                look.accent,
            )
    pen.poly(wobbly_blob(0.0, cy, rx, ry, rng, 10, 0.03), fur)
    if pattern == "belly":
        pen.ellipse(0.0, cy - ry * 0.3, rx * 0.6, ry * 0.55, belly, outline=False, shade=0.4)
    elif pattern == "spots":
        for _ in range(6):
            a = rng.uniform(0, 2 * math.pi)
            pen.circle(
                rx * 0.7 * math.cos(a),
                cy + ry * 0.7 * math.sin(a),
                0.03,
                look.accent,
                outline=False,
                shade=0.3,
            )
    else:
        for k in (-1, 0, 1):
            pen.poly(
                ellipse_band(0.0, cy, rx * 0.98, ry * 0.98, k * rx * 0.4 - 0.025, k * rx * 0.4 + 0.025),
                scale(fur, 0.78),
                outline=False,
                shade=0.0,
            )
    ey = cy + ry * 0.3
    for i in range(eyes):
        x = (i - (eyes - 1) / 2) * 0.13
        pen.eye(
            x, ey + (0.02 if eyes == 3 and i == 1 else 0.0), 0.06 if eyes > 1 else 0.085, look=(0.0, -0.1)
        )
    pen.smile(0.0, ey - 0.07, 0.06, 0.012)
    _blush(pen, -rx * 0.6, ey - 0.07, 0.035)
    _blush(pen, rx * 0.6, ey - 0.07, 0.035)


DRAWERS = {
    "dragon": dragon,
    "castle": castle,
    "tree": tree,
    "forest": forest,
    "house": house,
    "cat": cat,
    "dog": dog,
    "fish": fish,
    "whale": whale,
    "rocket": rocket,
    "boat": boat,
    "robot": robot,
    "flower": flower,
    "mountain": mountain,
    "unicorn": unicorn,
    "bird": bird,
    "sword": sword,
    "monster": monster,
    "ghost": ghost,
    "creature": creature,
}


def components(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """4-connected component labels (-1 where the mask is empty), by min-label propagation.

    Meant for small grids (sprites, mesh cell grids): each pass is one numpy step.
    """
    h, w = mask.shape
    big = np.int64(h * w + 1)
    labels = np.where(mask, np.arange(h * w, dtype=np.int64).reshape(h, w), big)
    while True:
        p = np.pad(labels, 1, constant_values=big)
        best = np.minimum.reduce([labels, p[:-2, 1:-1], p[2:, 1:-1], p[1:-1, :-2], p[1:-1, 2:]])
        best = np.where(mask, best, big)
        if np.array_equal(best, labels):
            return np.where(mask, labels, -1)
        labels = best
