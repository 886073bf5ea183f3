"""The drawing pen: soft-shaded outlined parts composited onto a supersampled canvas.

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
from PIL import Image, ImageDraw, ImageFilter

from limbs.craft.draw.curves import Point, arc_points, ellipse_points, tube_outline
from limbs.craft.draw.fields import F32, blur_float
from limbs.craft.words import RGB, darker

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
