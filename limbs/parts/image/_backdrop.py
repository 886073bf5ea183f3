"""The background of a scene (image.generate): sky, hills, sea or seabed.

Painted with numpy at the output resolution, with analytic antialiasing. The picture is
planar, (channel, row, column): each channel of a blend is a contiguous 2-D pass, where
interleaved pixels would make numpy step three values at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

from limbs.craft import words as words
from limbs.craft.draw.fields import F32, noise_1d, smooth_noise
from limbs.craft.words import RGB, mix, scale
from limbs.parts.image._plan import SAND, SEA, Plan

# Coverage of a ground layer, 0..255.
Cover = npt.NDArray[np.uint8]


def unit_rgb(c: RGB) -> F32:
    return np.array(c, dtype=np.float32) / 255.0


def _gradient(h: int, stops: list[tuple[float, RGB]]) -> F32:
    """Rows of colour blended between stops at fractions of ``h``."""
    ys = (np.arange(h, dtype=np.float32) + 0.5) / h
    pos = np.array([p for p, _ in stops], dtype=np.float32)
    cols = np.array([c for _, c in stops], dtype=np.float32) / 255.0
    out = np.empty((h, 3), dtype=np.float32)
    for ch in range(3):
        out[:, ch] = np.interp(ys, pos, cols[:, ch])
    return out


def _blend(img: F32, cover: F32, colour: F32 | npt.NDArray[np.float32]) -> None:
    """In-place: img = img * (1 - cover) + colour * cover, only over the rows ``cover`` touches.

    ``img`` is planar (3, rows, columns); ``colour`` is one colour (3,) or planar like ``img``
    (its rows and columns may be 1 to broadcast).
    """
    rows = np.flatnonzero(cover.any(axis=1))
    if not len(rows):
        return
    r0, r1 = int(rows[0]), int(rows[-1]) + 1
    cover = cover[r0:r1]
    diff = np.empty(cover.shape, dtype=np.float32)
    for c in range(3):
        plane = img[c, r0:r1]
        # plane + cover * (colour - plane): one fewer pass than scaling both terms.
        np.subtract(colour[c, r0:r1] if colour.ndim == 3 else colour[c], plane, out=diff)
        diff *= cover
        plane += diff


def _radial(h: int, w: int, cx: float, cy: float) -> F32:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dist: F32 = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
    return dist


def _stamp(
    img: F32, cx: float, cy: float, reach: float, colour: RGB, cover: Callable[[F32, F32, F32], F32]
) -> None:
    """Blend ``colour`` where ``cover(dist, dx, dy)`` says, only inside the square it can reach."""
    h, w = img.shape[1:]
    x0, x1 = max(0, int(cx - reach)), min(w, int(cx + reach) + 2)
    y0, y1 = max(0, int(cy - reach)), min(h, int(cy + reach) + 2)
    if x1 <= x0 or y1 <= y0:
        return
    # A row of x offsets and a column of y offsets broadcast to the box: no full-size grids.
    dx = np.arange(x0, x1, dtype=np.float32)[None, :] - np.float32(cx)
    dy = np.arange(y0, y1, dtype=np.float32)[:, None] - np.float32(cy)
    dist = np.sqrt(dx * dx + dy * dy)
    amount = np.broadcast_to(cover(dist, dx, dy), dist.shape)
    _blend(img[:, y0:y1, x0:x1], np.clip(amount, 0.0, 1.0).astype(np.float32), unit_rgb(colour))


def _disc(dist: F32, r: float) -> F32:
    cover: F32 = np.clip(r - dist + 0.5, 0.0, 1.0)
    return cover


def _layer_mask(
    w: int, h: int, ss: int, profile: F32, extra: list[tuple[str, list[tuple[float, float]]]]
) -> Cover:
    """Coverage (0..255) of the ground below ``profile`` (plus silhouettes), antialiased by
    supersampling. Only the rows from its highest point down are drawn."""
    step = max(1, w // 160)
    xs = [*list(range(0, w, step)), w - 1]
    highest = min([float(profile[x]) for x in xs] + [y for _, shape in extra for _, y in shape])
    top = min(h, max(0, math.floor(highest) - 1))
    cover: Cover = np.zeros((h, w), dtype=np.uint8)
    if top >= h:
        return cover
    # Drawn shifted up by whole output rows, which moves no edge within its pixel.
    sw, sh, lift = w * ss, (h - top) * ss, top * ss
    img = Image.new("L", (sw, sh), 0)
    d = ImageDraw.Draw(img)
    pts = [(x * ss, float(profile[x]) * ss - lift) for x in xs]
    d.polygon([(0, sh), *pts, (sw, sh)], fill=255)
    for kind, shape in extra:
        scaled = [(x * ss, y * ss - lift) for x, y in shape]
        if kind == "poly":
            d.polygon(scaled, fill=255)
        else:
            (x0, y0), (x1, y1) = scaled
            d.ellipse((x0, y0, x1, y1), fill=255)
    if ss > 1:
        # An exact ss x ss box average, like a BOX resize by a whole factor but several times faster.
        img = img.reduce(ss)
    cover[top:] = np.asarray(img)
    return cover


def _tree_silhouettes(
    rng: np.random.Generator, profile: F32, w: int, size: float, count: int, pine: float
) -> list[tuple[str, list[tuple[float, float]]]]:
    shapes: list[tuple[str, list[tuple[float, float]]]] = []
    for _ in range(count):
        x = float(rng.uniform(0, w))
        y = float(profile[int(min(w - 1, max(0, x)))]) + size * 0.15
        s = size * float(rng.uniform(0.7, 1.3))
        if rng.random() < pine:
            shapes.append(("poly", [(x - s * 0.32, y), (x, y - s * 1.3), (x + s * 0.32, y)]))
        else:
            shapes.append(
                (
                    "poly",
                    [
                        (x - s * 0.05, y),
                        (x - s * 0.05, y - s * 0.6),
                        (x + s * 0.05, y - s * 0.6),
                        (x + s * 0.05, y),
                    ],
                )
            )
            shapes.append(("ellipse", [(x - s * 0.35, y - s * 1.25), (x + s * 0.35, y - s * 0.5)]))
    return shapes


class Canvas:
    """The background being painted, with what the subject painter needs to know about it."""

    def __init__(self, w: int, h: int) -> None:
        self.w = w
        self.h = h
        self.img: F32 = np.zeros((3, h, w), dtype=np.float32)  # planar: (channel, row, column)
        self.ground: F32 = np.full(w, h * 0.82, dtype=np.float32)
        self.sun: tuple[float, float] = (w * 0.22, h * 0.18)


def paint_sky(cv: Canvas, plan: Plan, rng: np.random.Generator, horizon: float, quality: int) -> None:
    w, h = cv.w, cv.h
    top, mid, low = plan.sky
    rows = _gradient(h, [(0.0, top), (horizon * 0.55, mid), (horizon, low), (1.0, low)])
    cv.img[:] = rows.T[:, :, None]
    m = min(w, h)
    sx = w * float(rng.uniform(0.14, 0.3))
    if plan.time in ("sunset", "dawn"):
        sy = h * horizon * float(rng.uniform(0.6, 0.75))
    else:
        sy = h * float(rng.uniform(0.12, 0.2))
    cv.sun = (sx, sy)
    if plan.setting == "space":
        _space_sky(cv, rng, quality)
    elif plan.time == "night":
        _stars(cv, rng, horizon, count=int(w * h / 700))
        moon = (250, 246, 220) if plan.theme != "spooky" else (226, 250, 200)
        r = m * 0.075
        glow_r = m * 0.2
        _stamp(cv.img, sx, sy, glow_r * 2.2, moon, lambda d, dx, dy: np.exp(-((d / glow_r) ** 2)) * 0.35)
        bite = (r * 0.55, -r * 0.3)

        def crescent(d: F32, dx: F32, dy: F32) -> F32:
            return _disc(d, r) * (1.0 - _disc(np.sqrt((dx - bite[0]) ** 2 + (dy - bite[1]) ** 2), r * 0.9))

        _stamp(cv.img, sx, sy, r + 2, moon, crescent)
        _stamp(
            cv.img,
            sx - r * 0.45,
            sy + r * 0.2,
            r * 0.2,
            (210, 200, 170),
            lambda d, dx, dy: _disc(d, r * 0.16) * 0.5,
        )
    else:
        warm = plan.time in ("sunset", "dawn")
        sun = (255, 238, 140) if not warm else (255, 170, 90)
        r = m * (0.08 if not warm else 0.11)
        glow_r = m * (0.3 if warm else 0.22)
        _stamp(
            cv.img,
            sx,
            sy,
            glow_r * 2.2,
            mix(sun, (255, 255, 255), 0.3),
            lambda d, dx, dy: np.exp(-((d / glow_r) ** 2)) * 0.55,
        )
        if plan.time == "day" and plan.setting != "underwater":

            def rays(d: F32, dx: F32, dy: F32) -> F32:
                ring = np.clip(1.0 - np.abs(d - r * 1.9) / (r * 0.6), 0.0, 1.0)
                spokes: F32 = (np.sin(np.arctan2(dy, dx) * 12) > 0.6) * ring * 0.25
                return spokes

            _stamp(cv.img, sx, sy, r * 2.6, (255, 246, 190), rays)
        _stamp(cv.img, sx, sy, r + 2, sun, lambda d, dx, dy: _disc(d, r))
        _stamp(
            cv.img,
            sx - r * 0.3,
            sy - r * 0.3,
            r * 0.5,
            (255, 255, 235),
            lambda d, dx, dy: _disc(d, r * 0.45) * 0.35,
        )
    if "rainbow" in plan.flags and plan.time != "night":
        _rainbow(cv, horizon)
    if plan.setting != "space" and (plan.time != "night" or "clouds" in plan.flags):
        n = 2 + int(rng.integers(0, 3)) + (2 if "clouds" in plan.flags else 0)
        tint = mix((255, 255, 255), plan.sky[2], 0.25) if plan.time != "night" else (110, 116, 150)
        for i in range(n):
            _cloud(
                cv,
                rng,
                w * (i + float(rng.uniform(0.1, 0.9))) / n,
                h * horizon * float(rng.uniform(0.15, 0.55)),
                m * float(rng.uniform(0.07, 0.12)),
                tint,
            )


def _stars(cv: Canvas, rng: np.random.Generator, horizon: float, count: int) -> None:
    h, w = cv.h, cv.w
    field = np.zeros((h, w), dtype=np.float32)
    ys = (rng.random(count) ** 1.4 * h * horizon).astype(np.int64)
    xs = rng.integers(0, w, count)
    field[np.clip(ys, 0, h - 1), xs] = rng.uniform(0.4, 1.0, count).astype(np.float32)
    img = Image.fromarray(field * 255.0).convert("L").filter(ImageFilter.GaussianBlur(0.6))
    glow = np.clip(np.asarray(img, dtype=np.float32) / 255.0 * 3.0, 0.0, 1.0)
    _blend(cv.img, glow, unit_rgb((255, 252, 230)))
    # A few big twinkly stars with a cross glint.
    yy = np.arange(h, dtype=np.float32)[:, None]
    xx = np.arange(w, dtype=np.float32)[None, :]
    for _ in range(max(2, count // 60)):
        cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h * horizon * 0.8))
        size = min(w, h) * float(rng.uniform(0.012, 0.022))
        x0, x1 = int(max(0, cx - size)), int(min(w, cx + size + 1))
        y0, y1 = int(max(0, cy - size)), int(min(h, cy + size + 1))
        dx = np.abs(xx[:, x0:x1] - cx)
        dy = np.abs(yy[y0:y1] - cy)
        star = np.clip(1.0 - (np.sqrt(dx * dy) * 4 + (dx + dy) * 0.35) / size, 0.0, 1.0)
        region = cv.img[:, y0:y1, x0:x1]
        _blend(region, star, unit_rgb((255, 250, 210)))


def _space_sky(cv: Canvas, rng: np.random.Generator, quality: int) -> None:
    h, w = cv.h, cv.w
    rows = _gradient(h, [(0.0, (6, 6, 22)), (0.6, (30, 18, 66)), (1.0, (48, 30, 92))])
    cv.img[:] = rows.T[:, :, None]
    m = min(w, h)
    n1 = smooth_noise(rng, h, w, m / 4, quality)
    n2 = smooth_noise(rng, h, w, m / 5, quality)
    _blend(cv.img, np.clip((n1 - 0.45) * 1.6, 0, 0.5), unit_rgb((170, 70, 190)))
    _blend(cv.img, np.clip((n2 - 0.5) * 1.4, 0, 0.4), unit_rgb((40, 170, 200)))
    _stars(cv, rng, 1.0, count=int(w * h / 350))
    px, py, pr = w * 0.8, h * 0.22, m * 0.14
    dist = _radial(h, w, px, py)
    body = _disc(dist, pr)
    yy = np.mgrid[0:h, 0:w][0].astype(np.float32)
    bands = 0.5 + 0.5 * np.sin((yy - py) / pr * 7.0 + n1 * 4.0)
    planet = unit_rgb((240, 160, 90))[:, None, None] * (0.75 + 0.25 * bands[None])
    lit = np.clip(1.15 - _radial(h, w, px - pr * 0.5, py - pr * 0.5) / (pr * 1.9), 0.25, 1.0)
    planet = planet * lit[None]
    _blend(cv.img, body, planet.astype(np.float32))
    ring_d = np.sqrt(((np.mgrid[0:h, 0:w][1] - px) / 1.0) ** 2 + ((yy - py) / 0.28) ** 2).astype(np.float32)
    ring = np.clip(1.0 - np.abs(ring_d - pr * 1.6) / (pr * 0.18), 0.0, 1.0)
    front = (yy > py) | (body < 0.5)
    _blend(cv.img, (ring * front * 0.85).astype(np.float32), unit_rgb((250, 220, 170)))


def _rainbow(cv: Canvas, horizon: float) -> None:
    h, w = cv.h, cv.w
    m = min(w, h)
    dist = _radial(h, w, w * 0.62, h * horizon * 1.05)
    r0 = m * 0.52
    band = m * 0.028
    for i, colour in enumerate(words.RAINBOW):
        r = r0 - i * band
        cover = np.clip(band / 2 + 0.5 - np.abs(dist - r), 0.0, 1.0) * 0.55
        _blend(cv.img, cover.astype(np.float32), unit_rgb(colour))


def _cloud(cv: Canvas, rng: np.random.Generator, cx: float, cy: float, size: float, tint: RGB) -> None:
    h, w = cv.h, cv.w
    puffs = [
        (cx + size * dx, cy + size * dy, size * r)
        for dx, dy, r in ((-1.1, 0.25, 0.55), (-0.4, -0.15, 0.8), (0.5, 0.0, 0.7), (1.2, 0.3, 0.5))
    ]
    x0 = int(max(0, cx - size * 2)), int(min(w, cx + size * 2))
    y0 = int(max(0, cy - size)), int(min(h, cy + size))
    if x0[1] <= x0[0] or y0[1] <= y0[0]:
        return
    # A column of rows and a row of columns broadcast to the box: no full-size grids.
    yy = np.arange(y0[0], y0[1], dtype=np.float32)[:, None]
    xx = np.arange(x0[0], x0[1], dtype=np.float32)[None, :]
    cover = np.zeros((len(yy), xx.shape[1]), dtype=np.float32)
    for px, py, r in puffs:
        cover = np.maximum(cover, np.clip(r - np.sqrt((xx - px) ** 2 + (yy - py) ** 2) + 0.5, 0.0, 1.0))
    flat = np.clip((cy + size * 0.45 - yy) + 0.5, 0.0, 1.0)
    cover *= flat
    shade = np.clip((yy - (cy - size * 0.6)) / (size * 1.2), 0.0, 1.0)
    colour = unit_rgb(tint)[:, None, None] * (1.0 - 0.18 * shade[None])
    _blend(cv.img[:, y0[0] : y0[1], x0[0] : x0[1]], cover * 0.95, colour.astype(np.float32))


def _paint_layer(
    cv: Canvas,
    cover: Cover,
    colour: RGB,
    haze: tuple[RGB, float],
    tex: F32,
    profile: F32,
    lit_slopes: float,
    floor: int | None = None,
) -> None:
    """Fill a ground layer: lighter at its crest, hazier with distance, sunlit slopes brighter.

    Rows from ``floor`` down are left alone: a nearer layer will cover them completely. Rows
    the layer covers completely take its colour as it is; only the rows along its ridge blend.
    """
    h = cv.h
    top = max(0, int(np.floor(cover.any(axis=1).argmax())) - 1)
    bottom = h if floor is None else min(h, floor)
    if bottom <= top:
        return
    solid = min(bottom, max(top, _solid_from(cover)))
    base = unit_rgb(mix(colour, haze[0], haze[1]))
    lighter = base * 1.1 + 0.02
    rows = (np.arange(top, bottom, dtype=np.float32) / max(1, h - 1))[:, None]
    top_y = top / h
    t = np.clip((rows - top_y) / max(1e-3, 1.0 - top_y), 0.0, 1.0)
    # The colour is a per-row tint times a per-pixel brightness: build the 2-D factor first
    # and touch the three channels once.
    tint = (lighter * (1 - t) + base * 0.78 * t).astype(np.float32)
    bright = tex[top:bottom] * np.float32(0.14)
    bright += np.float32(0.93)
    if lit_slopes:
        # Light by the slope of a smoothed ridge: raw per-column slopes would paint stripes.
        k = max(3, cv.w // 40)
        smooth = np.convolve(np.pad(profile, k, mode="edge"), np.ones(2 * k + 1) / (2 * k + 1), mode="same")[
            k:-k
        ].astype(np.float32)
        slope = np.gradient(smooth)
        light = (np.clip(-slope * 0.6, -1.0, 1.0) * lit_slopes).astype(np.float32)
        # The light fades out over a band below the ridge; further down it changes nothing.
        reach = h * 0.15
        end = min(bottom, max(top, int(np.ceil(float(smooth.max()) + reach)) + 1))
        if end > top:
            ys = np.arange(top, end, dtype=np.float32)[:, None]
            near = np.clip((smooth[None, :] - ys) * np.float32(1.0 / reach) + 1.0, 0.0, 1.0)
            near *= light[None, :]
            near += 1.0
            bright[: end - top] *= near
    edge = solid - top
    if edge > 0:
        cover_f = cover[top:solid].astype(np.float32)
        cover_f *= np.float32(1.0 / 255.0)
        colours = np.empty((edge, cv.w), dtype=np.float32)
        for c in range(3):
            # plane + cover * (colour - plane), the colour clipped to 0..1.
            plane = cv.img[c, top:solid]
            np.multiply(tint[:edge, c, None], bright[:edge], out=colours)
            np.clip(colours, 0.0, 1.0, out=colours)
            colours -= plane
            colours *= cover_f
            plane += colours
    if bottom > solid:
        for c in range(3):
            plane = cv.img[c, solid:bottom]
            np.multiply(tint[edge:, c, None], bright[edge:], out=plane)
            np.clip(plane, 0.0, 1.0, out=plane)


def _solid_from(cover: Cover) -> int:
    """The first row from which ``cover`` is complete all the way down (its height if none is)."""
    holes = np.flatnonzero(cover.min(axis=1) < 255)
    return int(holes[-1]) + 1 if len(holes) else 0


def paint_land(
    cv: Canvas, plan: Plan, rng: np.random.Generator, horizon: float, ss: int, quality: int, tex: F32
) -> None:
    w, h = cv.w, cv.h
    hills = plan.hills
    fog = plan.sky[2]
    forest = plan.theme == "forest" or (plan.hero is not None and plan.hero.kind in ("tree", "forest"))
    snowy_peaks = plan.theme in ("snow", "plain", "happy", "magic") and plan.setting != "sea"
    # Far mountains: ridged noise gives peaks.
    n = noise_1d(rng, w, 3.0 + float(rng.uniform(0, 2)), quality)
    ridge = 1.0 - np.abs(2.0 * noise_1d(rng, w, 2.5, quality) - 1.0)
    # Heights scale with the short side so tall pictures do not grow needle-like peaks.
    m = min(w, h)
    far = h * horizon - m * (0.06 + 0.22 * ridge**1.6 + 0.05 * n)
    far_cover = _layer_mask(w, h, ss, far, [])
    # Rolling hills, nearer ones lower, bigger and less hazy. Their shapes come first (painting
    # draws no random numbers) so rows a nearer layer hides completely are not painted behind it.
    layers: list[tuple[Cover, F32, float]] = []
    for i, (lift, amp, haze) in enumerate(((0.02, 0.07, 0.28), (-0.06, 0.06, 0.1))):
        prof = h * (horizon - lift) - m * amp * noise_1d(rng, w, 1.5 + i, quality) * 2.0
        deco = (
            _tree_silhouettes(
                rng,
                prof,
                w,
                min(w, h) * (0.05 + 0.025 * i),
                (14 if forest else 4) + 3 * i,
                0.7 if forest else 0.3,
            )
            if plan.setting == "land"
            else []
        )
        layers.append((_layer_mask(w, h, ss, prof, deco), prof, haze))
    solid = [_solid_from(cover) for cover, _, _ in layers]
    far_floor = min(solid)
    _paint_layer(cv, far_cover, hills[0], (fog, 0.45), tex, far, 0.3, far_floor)
    if snowy_peaks and plan.time != "night":
        # Caps hang below each ridge point by how far it rises above the snow line.
        snowline = h * horizon - m * 0.2
        k = max(3, w // 60)
        ridge_line = np.convolve(np.pad(far, k, mode="edge"), np.ones(2 * k + 1) / (2 * k + 1), mode="same")[
            k:-k
        ]
        depth = np.clip(snowline - ridge_line, 0.0, None) * 0.5
        edge = (far + depth).astype(np.float32)
        # No cap reaches below its deepest edge, nor shows below the hills in front.
        rows = min(far_floor, h, max(0, int(np.ceil(float(edge.max()) + 1.0))))
        yy = np.arange(rows, dtype=np.float32)[:, None]
        cap = far_cover[:rows] * (np.clip(edge[None, :] - yy + 0.5, 0.0, 1.0) * np.float32(1.0 / 255.0))
        _blend(cv.img[:, :rows], cap, unit_rgb(mix((250, 252, 255), plan.sky[2], 0.2)))
    for i, (cover, prof, haze) in enumerate(layers):
        floor = min(solid[i + 1 :], default=h)
        _paint_layer(cv, cover, hills[1 + i], (fog, haze), tex, prof, 0.25, floor)


def paint_front_ground(
    cv: Canvas, plan: Plan, rng: np.random.Generator, ss: int, quality: int, tex: F32, colour: RGB
) -> None:
    w, h = cv.w, cv.h
    prof = h * 0.8 - min(w, h) * 0.05 * noise_1d(rng, w, 1.2, quality) * 2.0
    cv.ground = prof.astype(np.float32)
    cover = _layer_mask(w, h, ss, prof, [])
    _paint_layer(cv, cover, colour, (colour, 0.0), tex, prof, 0.2)


def paint_sea(
    cv: Canvas, plan: Plan, rng: np.random.Generator, horizon: float, ss: int, quality: int, tex: F32
) -> None:
    w, h = cv.w, cv.h
    night = plan.time == "night"
    near, deep = SEA
    if night:
        near, deep = scale(near, 0.4), scale(deep, 0.45)
    hy = int(h * horizon)
    # A far island for interest.
    prof = np.full(w, float(hy) + 1, dtype=np.float32)
    ix = float(rng.uniform(0.55, 0.85)) * w
    xs = np.arange(w, dtype=np.float32)
    bump = np.clip(1.0 - ((xs - ix) / (w * 0.16)) ** 2, 0.0, 1.0)
    prof -= bump * min(w, h) * 0.06 * (0.8 + 0.4 * noise_1d(rng, w, 6.0, quality))
    cover = _layer_mask(w, h, ss, prof, _tree_silhouettes(rng, prof, w, min(w, h) * 0.035, 3, 0.0))
    _paint_layer(cv, cover, plan.hills[1], (plan.sky[2], 0.35), tex, prof, 0.2)
    rows = _gradient(h - hy, [(0.0, mix(near, plan.sky[2], 0.35)), (1.0, deep)])
    wav_grid = rng.random((max(2, (h - hy) // 6), max(2, w // 40)), dtype=np.float32)
    wav = np.asarray(
        Image.fromarray(wav_grid).resize((w, h - hy), Image.Resampling.BICUBIC), dtype=np.float32
    )
    depth = np.linspace(0.3, 1.0, h - hy, dtype=np.float32)[:, None]
    foam = np.clip((wav - 0.62) * 3.0, 0.0, 1.0) * 0.22 * depth
    sx = cv.sun[0]
    glitter = np.exp(-(((xs - sx) / (w * 0.06)) ** 2))[None, :] * np.clip((wav - 0.45) * 2.5, 0.0, 1.0)
    glint = unit_rgb((255, 240, 200) if not night else (230, 230, 200))
    for c in range(3):
        plane = rows[:, c, None] + foam
        plane += glitter * 0.35 * glint[c]
        cv.img[c, hy:] = np.clip(plane, 0.0, 1.0)
    cv.ground = np.full(w, h * 0.9, dtype=np.float32)


def paint_underwater(
    cv: Canvas, plan: Plan, rng: np.random.Generator, ss: int, quality: int, tex: F32
) -> None:
    w, h = cv.w, cv.h
    night = plan.time == "night"
    top, bottom = (84, 204, 222), (12, 52, 112)
    if night:
        top, bottom = scale(top, 0.45), scale(bottom, 0.5)
    rows = _gradient(h, [(0.0, top), (1.0, bottom)])
    cv.img[:] = rows.T[:, :, None]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rays = np.zeros((h, w), dtype=np.float32)
    for _ in range(5):
        x0 = float(rng.uniform(-0.2, 1.0)) * w
        width = w * float(rng.uniform(0.03, 0.07))
        rays += np.exp(-(((xx - x0 - yy * 0.35) / width) ** 2))
    rays *= np.clip(1.0 - yy / (h * 0.85), 0.0, 1.0) * 0.22
    _blend(cv.img, np.clip(rays, 0.0, 0.5), unit_rgb((220, 250, 255)))
    prof = h * 0.7 - min(w, h) * 0.1 * noise_1d(rng, w, 3.0, quality) * 2.0
    cover = _layer_mask(w, h, ss, prof, [])
    rocks = (40, 96, 120) if not night else (20, 40, 60)
    _paint_layer(cv, cover, rocks, (mix(top, bottom, 0.5), 0.45), tex, prof, 0.2)
    sand = h * 0.88 - min(w, h) * 0.03 * noise_1d(rng, w, 2.0, quality) * 2.0
    cover = _layer_mask(w, h, ss, sand, [])
    floor = SAND if not night else scale(SAND, 0.5)
    _paint_layer(cv, cover, floor, (mix(top, bottom, 0.5), 0.1), tex, sand, 0.2)
    cv.ground = sand.astype(np.float32)
