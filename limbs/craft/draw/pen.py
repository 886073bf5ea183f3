"""The drawing pen: soft-shaded outlined parts composited onto a supersampled canvas.

Shapes are drawn as masks with Pillow at a supersampled resolution. Each part is
shaded by treating a blurred copy of its own mask as a height field (a "pillow"
bump), which gives every ear, wing and wheel a rounded, lit look without any 3D.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict, Unpack

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops, ImageDraw, ImageFilter
from PIL.Image import ImagePointHandler

from limbs.craft.draw.curves import Point, arc_points, ellipse_points, tube_outline
from limbs.craft.draw.fields import F32, blur_float
from limbs.craft.words import RGB, darker

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
    """An 8-bit canvas that parts are composited onto, back to front, at a supersampled size.

    Every part is pasted through Pillow: an outline colour through its ring's coverage, then
    its (shaded) fill through its own mask, so the per-pixel blending runs in C. Pasting a
    colour ``c`` through coverage ``m`` gives ``canvas * (1 - m) + c * m``: with ``backdrop`` the
    canvas starts as that picture ("RGB"), otherwise it is a premultiplied layer whose fourth
    byte is its coverage ("RGBX": the blend treats all four bytes alike, where "RGBA" would not).
    """

    def __init__(
        self,
        width: int,
        height: int,
        outline_px: float,
        outline_tone: RGB | None = None,
        backdrop: Image.Image | None = None,
        block: int = 1,
    ) -> None:
        self.width = width
        self.height = height
        # Canvas pixels per output pixel along each side (the supersampling the downsample
        # will average away): parts work in boxes aligned to these blocks.
        self.block = max(1, block)
        self.outline_px = outline_px
        self.outline_tone = outline_tone
        if backdrop is None:
            self.canvas = Image.new("RGBX", (width, height), (0, 0, 0, 0))
        else:
            # Each backdrop pixel becomes a block of the supersampled canvas: the box downsample
            # then gives the backdrop back exactly wherever nothing is painted.
            self.canvas = backdrop.convert("RGB").resize((width, height), Image.Resampling.NEAREST)
        sigma = outline_px
        # Thresholding a Gaussian-blurred mask at one sigma dilates it by about sigma,
        # with a one-pixel ramp that keeps the edge antialiased (a table over the 8-bit blur).
        levels = np.arange(256, dtype=np.float32) / 255.0
        ramp = np.clip((levels - 0.159) * (sigma / 0.242) + 0.5, 0.0, 1.0)
        self._outer = _Table([int(v) for v in (ramp * 255.0 + 0.5).astype(np.uint8)])

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
        # Only an outline reaches beyond the shapes (about 1.2 sigma); the blur that makes it
        # needs empty pixels around that, or its edge handling leaks in. Otherwise a small
        # safety margin will do.
        margin = math.ceil(self.outline_px * 2) + 2 if ring else 2
        blk = self.block
        x0 = _down(max(0, math.floor(min(b[0] for b in boxes)) - margin), blk)
        y0 = _down(max(0, math.floor(min(b[1] for b in boxes)) - margin), blk)
        x1 = min(self.width, _up(math.ceil(max(b[2] for b in boxes)) + margin, blk))
        y1 = min(self.height, _up(math.ceil(max(b[3] for b in boxes)) + margin, blk))
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
        if ring:
            # Outline first, through max(dilated mask, mask); the fill then covers its inside:
            # canvas * (1 - ring) * (1 - mask) + tone * ring * (1 - mask) + fill * mask.
            cover = ImageChops.lighter(_blurred(img, self.outline_px).point(self._outer), img)
            if opacity != 1.0:
                cover = _faded_ring(cover, img, opacity)
            tone = line or self.outline_tone or darker(colour)
            reach = cover.getbbox()
            if reach is not None:
                where = (x0 + reach[0], y0 + reach[1], x0 + reach[2], y0 + reach[3])
                self.canvas.paste(self._ink(tone), where, cover.crop(reach))
        # Shading and colour only matter under the mask: work on its box, one pixel wider so the
        # gradient at the mask's edge stays a central difference.
        radius, step = 0.0, 1
        if shade > 0:
            # The bump's blur radius, from the mask's area in pixels.
            area = float(np.asarray(img).sum(dtype=np.int64)) / 255.0
            extent = float(max(tight[2] - tight[0], tight[3] - tight[1]))
            radius = float(np.clip(0.3 * area / extent, 1.2, 90.0))
            step = _grid_step(radius, blk)
        bx0, by0 = max(0, tight[0] - 1), max(0, tight[1] - 1)
        bx1, by1 = min(x1 - x0, tight[2] + 1), min(y1 - y0, tight[3] + 1)
        if step > 1:
            # Lit on a coarse grid and repeated over whole blocks: the box takes whole blocks
            # (a canvas that is not whole blocks wide lights its edge pixel by pixel instead).
            bx0, by0 = _down(bx0, blk), _down(by0, blk)
            bx1, by1 = min(x1 - x0, _up(bx1, blk)), min(y1 - y0, _up(by1, blk))
            if (bx1 - bx0) % blk or (by1 - by0) % blk:
                step = 1
        mask = img.crop((bx0, by0, bx1, by1))
        alpha = mask if opacity == 1.0 else mask.point(_scaled(opacity))
        where = (x0 + bx0, y0 + by0, x0 + bx1, y0 + by1)
        if shade > 0:
            fill = _shaded_fill(mask, colour, shade, gloss, radius, step, blk, self.canvas.mode)
            self.canvas.paste(fill, where, alpha)
        else:
            self.canvas.paste(self._ink(colour), where, alpha)

    def _ink(self, colour: RGB) -> tuple[int, ...]:
        """``colour`` as the canvas holds it (a layer's fourth byte is its coverage)."""
        return colour if self.canvas.mode == "RGB" else (*colour, 255)

    def downsampled(self, width: int, height: int) -> Image.Image:
        """The canvas at the output size (in its own mode).

        A whole-number scale averages each block of canvas pixels (the box filter of
        supersampling); any other size is resampled with a box filter too.
        """
        k = self.width // width
        if k >= 1 and k * width == self.width and k * height == self.height:
            return self.canvas.reduce(k) if k > 1 else self.canvas.copy()
        return self.canvas.resize((width, height), Image.Resampling.BOX)


class _Table(ImagePointHandler):
    """An 8-bit lookup table for ``Image.point``, given as whole numbers once (a plain list
    would be rounded entry by entry on every call)."""

    def __init__(self, values: list[int]) -> None:
        self.values = values

    def point(self, im: Image.Image) -> Image.Image:
        return im._new(im.im.point(self.values, None))


@functools.lru_cache(maxsize=64)
def _scaled(factor: float) -> _Table:
    """A table scaling 8-bit coverage by ``factor`` (a part's opacity)."""
    return _Table([min(255, int(v * factor + 0.5)) for v in range(256)])


def _blurred(mask: Image.Image, sigma: float) -> Image.Image:
    """``mask`` Gaussian-blurred by ``sigma``.

    A wide blur is taken at half the size and scaled back bilinearly: the blurred mask is
    smooth over sigma pixels, so a threshold on it moves by about a tenth of a pixel.
    """
    w, h = mask.size
    if sigma < 3.0 or min(w, h) < 8:
        return mask.filter(ImageFilter.GaussianBlur(sigma))
    if w % 2 or h % 2:
        half = mask.resize(((w + 1) // 2, (h + 1) // 2), Image.Resampling.BOX)
    else:
        half = mask.reduce(2)
    return half.filter(ImageFilter.GaussianBlur(sigma / 2)).resize((w, h), Image.Resampling.BILINEAR)


def _faded_ring(cover: Image.Image, mask: Image.Image, opacity: float) -> Image.Image:
    """The outline's coverage for a part of ``opacity`` < 1, so that pasting the outline through
    it and then the fill through ``mask * opacity`` blends exactly like one part of that opacity:
    ``opacity * cover * (1 - mask) / (1 - opacity * mask)``."""
    c = np.asarray(cover, dtype=np.float32)
    f = np.asarray(mask, dtype=np.float32) * np.float32(1.0 / 255.0)
    o = np.float32(opacity)
    rim = c * (1.0 - f) * o / (1.0 - o * f)
    rim += 0.5
    return Image.fromarray(rim.astype(np.uint8), "L")


def _down(v: int, block: int) -> int:
    return v - v % block


def _up(v: int, block: int) -> int:
    return -(-v // block) * block


def _shaded_fill(
    mask: Image.Image,
    colour: RGB,
    shade: float,
    gloss: float,
    radius: float,
    step: int,
    block: int,
    mode: str,
) -> Image.Image:
    """The lit colour of a part over its mask's box, as a picture of ``mode`` ("RGB" or "RGBX").

    Small parts (``step`` 1) are lit pixel by pixel. Big ones are lit on a grid of ``step``
    pixels, still fine enough for the glints of their height field (see ``_grid_step``),
    scaled up bicubically to the output resolution, each value then repeated over its block of
    canvas pixels (which the final downsample averages anyway): their box is whole blocks.
    """
    w, h = mask.size
    if step > 1:
        sw, sh = max(1, math.ceil(w / step)), max(1, math.ceil(h / step))
        mask = mask.resize((sw, sh), Image.Resampling.BOX)
    else:
        sw, sh = w, h
    m = np.asarray(mask, dtype=np.float32) * np.float32(1.0 / 255.0)
    # Rows of red, green then blue values ("RGB;L"): numpy then steps along whole rows.
    fill = Image.frombytes(mode, (sw, sh), _lit(m, radius / step, shade, gloss, colour), "raw", "RGB;L")
    if step > block:
        fill = fill.resize((w // block, h // block), Image.Resampling.BICUBIC)
    return fill if step == 1 else fill.resize((w, h), Image.Resampling.NEAREST)


def _grid_step(radius: float, block: int) -> int:
    """Canvas pixels per cell of the grid a part of ``radius`` is lit on.

    The height field is blurred on cells of about radius / 3 and scaled up bicubically (see
    ``blur_float``); the ripples that leaves in its slopes are the glints of glossy parts, so
    the grid keeps four cells to one of those. Small parts are lit pixel by pixel.
    """
    step = max(1, int(radius / 3.0)) // 4
    if step <= 1:
        return 1
    return max(step, block)


def _facing(gx: F32, gy: F32, inv: F32, direction: F32, tmp: F32) -> F32:
    """n . ``direction`` for the normals (-gx, -gy, 1) scaled by ``inv`` (1 / |n|), clipped at 0;
    ``tmp`` is scratch of the same shape."""
    dot: F32 = gx * np.float32(-direction[0])
    np.multiply(gy, np.float32(-direction[1]), out=tmp)
    dot += tmp
    dot += direction[2]
    dot *= inv
    np.maximum(dot, 0.0, out=dot)
    return dot


def _slopes(a: F32, scale: float) -> tuple[F32, F32]:
    """``scale`` times the central differences of ``a`` along x and y (one-sided at the ends,
    as ``np.gradient``)."""
    gx = np.zeros_like(a)
    gy = np.zeros_like(a)
    half = np.float32(0.5 * scale)
    whole = np.float32(scale)
    if a.shape[1] > 1:
        np.subtract(a[:, 2:], a[:, :-2], out=gx[:, 1:-1])
        gx[:, 1:-1] *= half
        gx[:, 0] = (a[:, 1] - a[:, 0]) * whole
        gx[:, -1] = (a[:, -1] - a[:, -2]) * whole
    if a.shape[0] > 1:
        np.subtract(a[2:], a[:-2], out=gy[1:-1])
        gy[1:-1] *= half
        gy[0] = (a[1] - a[0]) * whole
        gy[-1] = (a[-1] - a[-2]) * whole
    return gx, gy


def _lit(mask: F32, radius: float, shade: float, gloss: float, colour: RGB) -> npt.NDArray[np.uint8]:
    """The colour of a part lit as a "pillow" bump over its own mask, ``radius`` in the mask's
    own pixels, as bytes (h, 3, w): each row its red values, then green, then blue.

    brightness = 1 + shade * (0.5 + 0.5 * (n . l) / l_z - 1), specular = gloss * (n . h) ** 24,
    colour = brightness * ``colour`` + 255 * specular, clipped.
    """
    height = blur_float(mask, radius)
    # Normal n = (-gx, -gy, 1) / |n|, the slopes steepened by k = 2.4 radius.
    gx, gy = _slopes(height, radius * 2.4)
    inv = gx * gx
    tmp = gy * gy
    inv += tmp
    inv += 1.0
    np.sqrt(inv, out=inv)
    np.divide(1.0, inv, out=inv)
    # n . l, which no unit vectors take above 1, clipped at 0.
    ndotl = _facing(gx, gy, inv, _LIGHT, tmp)
    base = np.array(colour, dtype=np.float32)[None, :, None]
    lit = ndotl[:, None, :] * (base * np.float32(0.5 * shade / _LIGHT[2]))
    lit += base * np.float32(1.0 - 0.5 * shade) + np.float32(0.5)  # + 0.5: rounded below
    if gloss != 0:
        ndoth = _facing(gx, gy, inv, _HALF, tmp)
        # ndoth ** 24 by squaring: pow() is many times slower per pixel.
        np.multiply(ndoth, ndoth, out=ndoth)
        np.multiply(ndoth, ndoth, out=ndoth)
        np.multiply(ndoth, ndoth, out=ndoth)
        np.multiply(ndoth, ndoth, out=tmp)
        tmp *= ndoth
        tmp *= np.float32(255.0 * gloss)
        lit += tmp[:, None, :]
    np.minimum(lit, 255.0, out=lit)
    if shade > 2.0:
        np.maximum(lit, 0.0, out=lit)  # only a shade above 2 darkens below black
    return lit.astype(np.uint8)


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
