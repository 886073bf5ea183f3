"""Procedural image tools: seamless tiles, palettes, background removal, upscaling, variations.

Pure functions of their ``GenRequest`` (no Django, no clock, no global random state).
Every input picture is decoded under a pixel cap; anything unusable becomes a
``GeneratorInputError`` naming the parameter, which the API turns into a 422.
"""

from __future__ import annotations

import io
import json
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageOps

from limbs.craft import words as words
from limbs.craft.words import RGB, Intent
from limbs.parts.image._seams import check_tileable
from limbs.spec import GeneratorInputError, GenRequest, GenResult, Output

Arr = npt.NDArray[Any]

MAX_INPUT_PIXELS = 64 * 1024 * 1024
INPUT_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")
# Above this many pixels the colour statistics are taken from an evenly spaced sample.
_SAMPLE_PIXELS = 256 * 256
# Variations work on pictures at most this wide or tall (they are ideas, not masters).
_VARIATION_SIDE = 1024
_MAX_UPSCALED_PIXELS = 64 * 1024 * 1024


# ---------------------------------------------------------------------------------------
# Decoding and encoding (shared with the video generators)
# ---------------------------------------------------------------------------------------


def open_picture(data: bytes, field: str, formats: tuple[str, ...] = INPUT_FORMATS) -> Image.Image:
    """Open (without decoding pixels) under the pixel cap; bad input names ``field``."""
    if not data:
        raise GeneratorInputError(field, "The file is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data), formats=formats)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise GeneratorInputError(field, "This picture is far too big to open.") from None
    except Exception:  # Pillow raises many types for data it does not recognise
        raise GeneratorInputError(field, "This file is not a picture we can read.") from None
    if im.width < 1 or im.height < 1 or im.width * im.height > MAX_INPUT_PIXELS:
        im.close()
        raise GeneratorInputError(
            field, f"This picture is {im.width}x{im.height}; the most we open is 64 megapixels."
        )
    return im


def decode_picture(data: bytes, field: str) -> tuple[Image.Image, bool]:
    """The first frame as RGBA (EXIF rotation applied) and whether it has any transparency."""
    im = open_picture(data, field)
    try:
        with im:
            im.load()
            upright = ImageOps.exif_transpose(im)
            rgba = upright.convert("RGBA")
    except Exception:
        raise GeneratorInputError(field, "This picture is damaged and cannot be read.") from None
    alpha_min = int(np.asarray(rgba.getchannel("A")).min())
    return rgba, alpha_min < 255


def png_bytes(image: Image.Image, level: int = 4) -> bytes:
    buf = io.BytesIO()
    # Level 4 is about twice as fast as the default for a few percent more bytes.
    image.save(buf, format="PNG", compress_level=level)
    return buf.getvalue()


def _to_image(arr: Arr) -> Image.Image:
    return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))


def _rng(req: GenRequest, salt: str) -> np.random.Generator:
    return np.random.default_rng(words.derive_seed(req.seed, req.intent, salt))


def _stem(req: GenRequest, fallback: str) -> str:
    return words.slug(req.intent, fallback)


# ---------------------------------------------------------------------------------------
# Colour helpers
# ---------------------------------------------------------------------------------------

_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]], dtype=np.float32
)
_WHITE = np.array([0.95047, 1.0, 1.08883], dtype=np.float32)
# YIQ separates brightness (Y) from chroma (I, Q), so a hue turn is a rotation of (I, Q).
_YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], dtype=np.float32)
_RGB_FROM_YIQ = np.linalg.inv(_YIQ).astype(np.float32)


def apply_matrix(pixels: Arr, m: Arr) -> Arr:
    """``pixels @ m.T`` over the last axis (size 3), written out: numpy's matmul is slow for 3x3."""
    out: Arr = pixels[..., 0:1] * m[:, 0] + pixels[..., 1:2] * m[:, 1] + pixels[..., 2:3] * m[:, 2]
    return out


def to_lab(rgb: Arr) -> Arr:
    """sRGB 0..255 -> CIE L*a*b*, so colour distances roughly follow what people see."""
    c = rgb.astype(np.float32) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = apply_matrix(lin, _XYZ) / _WHITE
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    lab = np.empty_like(f)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return lab


def colour_matrix(hue_degrees: float, saturation: float = 1.0, value: float = 1.0) -> Arr:
    """One 3x3 matrix that turns hue, scales saturation and brightness of linear-ish RGB."""
    a = math.radians(hue_degrees)
    turn = np.array(
        [
            [value, 0.0, 0.0],
            [0.0, saturation * math.cos(a), -saturation * math.sin(a)],
            [0.0, saturation * math.sin(a), saturation * math.cos(a)],
        ],
        dtype=np.float32,
    )
    out: Arr = _RGB_FROM_YIQ @ turn @ _YIQ
    return out


def _ramp(t: Arr, stops: list[tuple[float, RGB]]) -> Arr:
    """Map 0..1 values through a colour gradient."""
    xs = [s for s, _ in stops]
    out = np.empty((*t.shape, 3), dtype=np.float32)
    for ch in range(3):
        out[..., ch] = np.interp(t, xs, [float(c[ch]) for _, c in stops])
    return out


def _hex(rgb: Arr | tuple[int, ...]) -> str:
    r, g, b = (int(v) for v in rgb)
    return words.hex_colour((r, g, b))


# ---------------------------------------------------------------------------------------
# Periodic noise: filtering white noise in the frequency domain makes it wrap exactly
# ---------------------------------------------------------------------------------------


def periodic_noise(
    rng: np.random.Generator,
    size: int,
    cell: float,
    cell_x: float | None = None,
    octaves: int = 1,
) -> Arr:
    """Smooth noise in 0..1 (mean 0.5) that tiles with period ``size`` in both directions.

    ``cell`` is the rough feature size in pixels (``cell_x`` makes it stretched); octaves
    add finer detail at half the size and half the strength each.
    """
    white = rng.standard_normal((size, size))
    spec = np.fft.rfft2(white)
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    gain = np.zeros(spec.shape, dtype=np.float64)
    sy, sx = cell / 2.0, (cell_x if cell_x is not None else cell) / 2.0
    amp = 1.0
    for _ in range(max(1, octaves)):
        gain += amp * np.exp(-2.0 * math.pi**2 * ((sy * fy) ** 2 + (sx * fx) ** 2))
        sy, sx, amp = sy / 2.0, sx / 2.0, amp * 0.5
    gain[0, 0] = 0.0
    field = np.fft.irfft2(spec * gain, s=(size, size))
    std = float(field.std()) or 1.0
    out: Arr = np.clip(0.5 + field / std * 0.18, 0.0, 1.0).astype(np.float32)
    return out


def _grid(size: int) -> tuple[Arr, Arr]:
    """Pixel-centre coordinates (y, x) as float32 arrays."""
    c = np.arange(size, dtype=np.float32) + 0.5
    return c[:, None] * np.ones((1, size), np.float32), np.ones((size, 1), np.float32) * c[None, :]


# ---------------------------------------------------------------------------------------
# tile: patterns from words
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pattern:
    name: str
    keywords: frozenset[str]
    colours: tuple[RGB, RGB, RGB]
    # With one colour word, derive the second role as a darker shade of the first.
    derive_second: bool = True


def _kws(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PATTERNS: tuple[_Pattern, ...] = (
    _Pattern(
        "bricks",
        _kws("brick bricks wall walls brickwork masonry"),
        ((176, 74, 52), (132, 52, 40), (206, 198, 184)),
    ),
    _Pattern(
        "stones",
        _kws(
            "stone stones cobble cobbles cobblestone cobblestones rock rocks rocky pebble pebbles "
            "pavement paving dungeon cave flagstone"
        ),
        ((146, 144, 140), (104, 102, 100), (62, 56, 48)),
    ),
    _Pattern(
        "grass",
        _kws("grass grassy lawn meadow field moss mossy turf"),
        ((34, 104, 38), (76, 160, 56), (176, 212, 92)),
    ),
    _Pattern(
        "leaves",
        _kws("leaf leaves leafy foliage autumn fall hedge bush ivy jungle"),
        ((72, 150, 56), (44, 104, 44), (32, 54, 28)),
        derive_second=False,
    ),
    _Pattern(
        "water",
        _kws("water sea ocean lake river pool pond wave waves waterfall"),
        ((20, 72, 132), (42, 150, 192), (210, 244, 255)),
    ),
    _Pattern(
        "wood",
        _kws("wood wooden plank planks floor floorboard floorboards timber deck crate table bark log"),
        ((196, 142, 88), (128, 82, 46), (66, 40, 24)),
    ),
    _Pattern(
        "polka",
        _kws("polka dot dots dotted dotty spot spots spotty spotted"),
        ((226, 64, 92), (250, 238, 214), (250, 238, 214)),
        derive_second=False,
    ),
    _Pattern(
        "checker",
        _kws("checker checkers checkerboard checkered chequered chess chessboard gingham"),
        ((240, 240, 236), (44, 44, 56), (44, 44, 56)),
        derive_second=False,
    ),
    _Pattern(
        "ground",
        _kws(
            "sand sandy desert dirt mud muddy soil ground earth snow snowy ice icy lava magma "
            "marble rust rusty cloud clouds sky gravel beach"
        ),
        ((150, 112, 76), (110, 80, 54), (186, 152, 110)),
    ),
)
_PATTERN_BY_NAME = {p.name: p for p in _PATTERNS}

# Ground variants: word -> (colours, flavour)
_GROUNDS: dict[str, tuple[tuple[RGB, RGB, RGB], str]] = {
    "sand": (((224, 198, 142), (194, 160, 102), (244, 226, 178)), "ripples"),
    "desert": (((226, 190, 130), (196, 150, 92), (246, 220, 164)), "ripples"),
    "beach": (((232, 212, 160), (204, 176, 120), (250, 238, 200)), "ripples"),
    "snow": (((232, 240, 250), (196, 212, 236), (255, 255, 255)), "soft"),
    "ice": (((176, 220, 244), (120, 176, 220), (236, 250, 255)), "cracks"),
    "lava": (((48, 18, 14), (120, 30, 14), (255, 176, 48)), "lava"),
    "magma": (((48, 18, 14), (120, 30, 14), (255, 176, 48)), "lava"),
    "marble": (((236, 234, 230), (200, 196, 192), (96, 92, 100)), "marble"),
    "cloud": (((120, 170, 232), (200, 224, 250), (255, 255, 255)), "soft"),
    "sky": (((120, 170, 232), (200, 224, 250), (255, 255, 255)), "soft"),
    "mud": (((104, 76, 50), (72, 52, 34), (132, 100, 68)), "soft"),
    "rust": (((150, 70, 34), (96, 44, 24), (196, 110, 56)), "soft"),
    "gravel": (((140, 134, 126), (96, 92, 88), (188, 182, 172)), "speckle"),
}
_GROUND_ALIASES = {
    "sandy": "sand",
    "snowy": "snow",
    "icy": "ice",
    "muddy": "mud",
    "rusty": "rust",
    "clouds": "cloud",
}
_AUTUMN: tuple[RGB, ...] = ((214, 96, 34), (190, 52, 34), (236, 170, 44), (150, 84, 40))
_GREENS: tuple[RGB, ...] = ((72, 150, 56), (96, 172, 60), (46, 112, 44), (128, 184, 72))


def _choose_pattern(intent: Intent, rng: np.random.Generator) -> tuple[_Pattern, str]:
    """The first pattern word in the sentence wins; no pattern word -> a seeded choice."""
    for token in intent.tokens:
        for candidate in (token, token.rstrip("s")):
            for pattern in _PATTERNS:
                if candidate in pattern.keywords:
                    return pattern, token
    themed = {"desert": "sand", "snow": "snow", "lava": "lava", "forest": "leaves"}.get(intent.theme)
    if themed == "leaves":
        return _PATTERN_BY_NAME["leaves"], "leaves"
    if themed is not None:
        return _PATTERN_BY_NAME["ground"], themed
    pattern = _PATTERNS[int(rng.integers(0, len(_PATTERNS)))]
    return pattern, pattern.name


def _pattern_colours(pattern: _Pattern, word: str, intent: Intent) -> tuple[RGB, RGB, RGB]:
    base = pattern.colours
    if pattern.name == "ground":
        base = _GROUNDS.get(_GROUND_ALIASES.get(word, word), (base, ""))[0]
    given = list(intent.colours[:3])
    named_ground = _GROUND_ALIASES.get(word, word) in _GROUNDS
    if not given and intent.hint is not None and pattern.name == "ground" and not named_ground:
        given = [intent.hint]
    if not given:
        return base
    cols = list(base)
    cols[0] = given[0]
    if len(given) > 1:
        cols[1] = given[1]
    elif pattern.derive_second:
        cols[1] = words.scale(given[0], 0.68)
    if len(given) > 2:
        cols[2] = given[2]
    elif pattern.name == "ground" and len(given) == 1:
        cols[2] = words.mix(given[0], (255, 255, 255), 0.3)
    return cols[0], cols[1], cols[2]


def _jitter(colour: RGB, rng: np.random.Generator, amount: float) -> Arr:
    return np.array(colour, np.float32) * np.float32(1.0 + (rng.random() - 0.5) * amount)


def _paint_bricks(s: int, rng: np.random.Generator, pal: tuple[RGB, RGB, RGB], detail: int) -> Arr:
    rows = 8 if s >= 96 else 4
    cols = rows // 2
    y, x = _grid(s)
    v = y / s * rows
    r = np.floor(v)
    u = x / s * cols + 0.5 * (r % 2)
    c = np.floor(u) % cols
    bw, bh = s / cols, s / rows
    # Distance (px) from each pixel to its brick's nearest edge drives mortar and bevel.
    fx, fy = u - np.floor(u), v - r
    edge = np.minimum(np.minimum(fx, 1 - fx) * bw, np.minimum(fy, 1 - fy) * bh)
    mortar = max(1.0, bh * 0.09)
    tint = rng.random((rows, cols)).astype(np.float32)
    t = tint[r.astype(np.int64) % rows, c.astype(np.int64)]
    brick = np.array(pal[0], np.float32) * (1 - t[..., None]) + np.array(pal[1], np.float32) * t[..., None]
    grain = periodic_noise(rng, s, max(2.0, s / 48), octaves=detail)
    blotch = periodic_noise(rng, s, s / 5)
    brick *= (0.8 + 0.25 * grain + 0.15 * blotch)[..., None]
    bevel = np.clip((edge - mortar) / max(1.0, mortar * 1.5), 0, 1)
    brick *= (0.82 + 0.18 * bevel)[..., None]
    cement = np.array(pal[2], np.float32) * (0.85 + 0.3 * grain)[..., None]
    w = np.clip(edge - mortar + 0.5, 0, 1)[..., None]
    out: Arr = brick * w + cement * (1 - w)
    return out


def _paint_stones(s: int, rng: np.random.Generator, pal: tuple[RGB, RGB, RGB], detail: int) -> Arr:
    g = 4 if s < 128 else 5
    cell = s / g
    # A jittered grid keeps stones evenly sized; wrapped distances make the cells tile.
    pts = (np.stack(np.meshgrid(np.arange(g), np.arange(g)), -1).reshape(-1, 2) + 0.5) * cell
    pts = pts + (rng.random(pts.shape) - 0.5) * cell * 0.7
    y, x = _grid(s)
    f1 = np.full((s, s), np.inf, np.float32)
    f2 = np.full((s, s), np.inf, np.float32)
    owner = np.zeros((s, s), np.int64)
    for i, (px, py) in enumerate(pts):
        dx = np.abs(x - np.float32(px))
        dy = np.abs(y - np.float32(py))
        d = np.hypot(np.minimum(dx, s - dx), np.minimum(dy, s - dy))
        closer = d < f1
        f2 = np.where(closer, f1, np.minimum(f2, d))
        owner = np.where(closer, i, owner)
        f1 = np.where(closer, d, f1)
    gap = f2 - f1
    tint = rng.random(len(pts)).astype(np.float32)[owner]
    stone = (
        np.array(pal[0], np.float32) * (1 - tint[..., None]) + np.array(pal[1], np.float32) * tint[..., None]
    )
    grain = periodic_noise(rng, s, max(2.0, s / 40), octaves=detail)
    dome = np.clip(1.0 - (f1 / (cell * 0.75)) ** 2, 0, 1)
    stone *= (0.72 + 0.2 * dome + 0.22 * grain)[..., None]
    width = max(1.5, cell * 0.06)
    w = np.clip((gap - width) / width, 0, 1)[..., None]
    dirt = np.array(pal[2], np.float32) * (0.8 + 0.4 * grain)[..., None]
    out: Arr = stone * w + dirt * (1 - w)
    return out


def _paint_grass(s: int, rng: np.random.Generator, pal: tuple[RGB, RGB, RGB], detail: int) -> Arr:
    k = s / 256
    blades = periodic_noise(rng, s, 14 * k, cell_x=2.2 * k, octaves=detail)
    blades2 = periodic_noise(rng, s, 9 * k, cell_x=1.6 * k)
    blotch = periodic_noise(rng, s, s / 4, octaves=2)
    t = np.clip(0.45 * blades + 0.25 * blades2 + 0.45 * blotch - 0.08, 0, 1)
    t = np.clip((t - 0.5) * 1.8 + 0.5, 0, 1)
    dark = words.scale(pal[0], 0.7)
    return _ramp(t, [(0.0, dark), (0.35, pal[0]), (0.7, pal[1]), (1.0, pal[2])])


def _leaf_polygon(
    cx: float, cy: float, length: float, width: float, angle: float
) -> list[tuple[float, float]]:
    ca, sa = math.cos(angle), math.sin(angle)
    side_a: list[tuple[float, float]] = []
    side_b: list[tuple[float, float]] = []
    for i in range(13):
        t = i / 12
        ax = length * (t - 0.5)
        half = width / 2 * math.sin(math.pi * t) ** 0.8
        side_a.append((ax, half))
        side_b.append((ax, -half))
    pts = side_a + side_b[::-1]
    return [(cx + px * ca - py * sa, cy + px * sa + py * ca) for px, py in pts]


def _paint_leaves(
    s: int, rng: np.random.Generator, pal: tuple[RGB, RGB, RGB], detail: int, autumn: bool, own: bool
) -> Arr:
    ss = 2  # drawn at twice the size and box-filtered: even factors keep the wrap exact
    big = s * ss
    ground = periodic_noise(rng, s, s / 6, octaves=2)
    back = _ramp(ground, [(0.0, words.scale(pal[2], 0.7)), (1.0, pal[2])])
    canvas = Image.fromarray(np.clip(back, 0, 255).astype(np.uint8)).resize(
        (big, big), Image.Resampling.NEAREST
    )
    draw = ImageDraw.Draw(canvas)
    if own:
        palette: tuple[RGB, ...] = (pal[0], pal[1], words.mix(pal[0], pal[1], 0.5))
    else:
        palette = _AUTUMN if autumn else _GREENS
    count = {1: 40, 2: 60, 3: 85}.get(detail, 60)
    length = big / 5.0
    for _ in range(count):
        cx, cy = rng.random() * big, rng.random() * big
        ang = rng.random() * math.tau
        ln = length * (0.75 + 0.5 * rng.random())
        wd = ln * (0.42 + 0.15 * rng.random())
        base = palette[int(rng.integers(0, len(palette)))]
        fill = words.scale(base, 0.85 + 0.3 * float(rng.random()))
        shade = words.darker(fill, 0.55)
        vein = words.mix(fill, (255, 250, 220), 0.35)
        for ox in (-big, 0, big):
            for oy in (-big, 0, big):
                x0, y0 = cx + ox, cy + oy
                if not (-ln < x0 < big + ln and -ln < y0 < big + ln):
                    continue
                shadow = _leaf_polygon(x0 + 2 * ss, y0 + 3 * ss, ln, wd, ang)
                draw.polygon(shadow, fill=words.scale(pal[2], 0.5))
                draw.polygon(_leaf_polygon(x0, y0, ln, wd, ang), fill=fill, outline=shade)
                tip = (x0 + math.cos(ang) * ln * 0.45, y0 + math.sin(ang) * ln * 0.45)
                stem = (x0 - math.cos(ang) * ln * 0.6, y0 - math.sin(ang) * ln * 0.6)
                draw.line([stem, tip], fill=vein, width=max(1, ss))
    small = canvas.resize((s, s), Image.Resampling.BOX)
    out: Arr = np.asarray(small, dtype=np.float32)
    light = periodic_noise(rng, s, s / 3)
    out = out * (0.85 + 0.3 * light)[..., None]
    return out


def _paint_water(s: int, rng: np.random.Generator, pal: tuple[RGB, RGB, RGB], detail: int) -> Arr:
    base = periodic_noise(rng, s, s / 4, octaves=detail + 1)
    colour = _ramp(base, [(0.0, pal[0]), (1.0, pal[1])])
    rid = np.zeros((s, s), np.float32)
    for cell in (s / 9, s / 13):
        n = periodic_noise(rng, s, cell, octaves=2)
        rid = np.maximum(rid, (1.0 - np.abs(2.0 * n - 1.0)) ** 7)
    out: Arr = colour + rid[..., None] * (np.array(pal[2], np.float32) - colour) * 0.7
    return out


def _paint_wood(s: int, rng: np.random.Generator, pal: tuple[RGB, RGB, RGB], detail: int) -> Arr:
    planks = 4
    rings = 10
    y, x = _grid(s)
    plank = np.floor(y / s * planks).astype(np.int64)
    warp = periodic_noise(rng, s, s / 12, cell_x=s / 1.5, octaves=2)
    phase = rng.random(planks).astype(np.float32)
    g = y / s * rings + 1.6 * (warp - 0.5) + phase[plank]
    ring = (0.5 + 0.5 * np.cos(math.tau * g)) ** 3
    grain = periodic_noise(rng, s, 1.2, cell_x=s / 6, octaves=detail)
    t = np.clip(0.6 * ring + 0.45 * grain - 0.1, 0, 1)
    colour = _ramp(t, [(0.0, pal[0]), (1.0, pal[1])])
    tint = (0.88 + 0.24 * rng.random(planks)).astype(np.float32)[plank]
    colour *= tint[..., None]
    ph = s / planks
    seam_y = np.minimum(y % ph, ph - y % ph)
    joints = (rng.random(planks) * s).astype(np.float32)[plank]
    dx = np.abs(x - joints)
    seam_x = np.minimum(dx, s - dx)
    seam = np.minimum(seam_y, seam_x)
    w = np.clip(seam - 0.5, 0, 1)[..., None]
    out: Arr = colour * w + np.array(pal[2], np.float32) * (1 - w)
    return out


def _paint_polka(s: int, rng: np.random.Generator, pal: tuple[RGB, RGB, RGB], detail: int) -> Arr:
    n = 4 if s < 128 else 6
    cell = s / n
    y, x = _grid(s)
    v = y / s * n
    r = np.floor(v)
    u = x / s * n + 0.5 * (r % 2)
    d = np.hypot(u - np.floor(u) - 0.5, v - r - 0.5) * cell
    radius = cell * 0.3
    w = np.clip(radius - d + 0.5, 0, 1)[..., None]
    paper = periodic_noise(rng, s, max(2.0, s / 64), octaves=detail)
    bg = np.array(pal[1], np.float32) * (0.95 + 0.08 * paper)[..., None]
    dot = np.array(pal[0], np.float32) * (0.9 + 0.1 * (1 - d / radius).clip(0, 1))[..., None]
    out: Arr = dot * w + bg * (1 - w)
    return out


def _paint_checker(s: int, rng: np.random.Generator, pal: tuple[RGB, RGB, RGB], detail: int) -> Arr:
    n = 4 if s < 128 else 8
    y, x = _grid(s)
    odd = ((np.floor(y / s * n) + np.floor(x / s * n)) % 2)[..., None]
    paper = periodic_noise(rng, s, max(2.0, s / 64), octaves=detail)
    out: Arr = (np.array(pal[0], np.float32) * (1 - odd) + np.array(pal[1], np.float32) * odd) * (
        0.94 + 0.1 * paper
    )[..., None]
    return out


def _paint_ground(
    s: int, rng: np.random.Generator, pal: tuple[RGB, RGB, RGB], detail: int, flavour: str
) -> Arr:
    base = periodic_noise(rng, s, s / 5, octaves=detail + 2)
    colour = _ramp(base, [(0.0, pal[1]), (0.55, pal[0]), (1.0, pal[2])])
    if flavour == "ripples":
        y, x = _grid(s)
        warp = periodic_noise(rng, s, s / 3)
        rip = 0.5 + 0.5 * np.sin(math.tau * (y / s * 9 + 2.0 * warp))
        colour *= (0.9 + 0.14 * rip)[..., None]
    elif flavour in ("lava", "cracks"):
        n = periodic_noise(rng, s, s / 7, octaves=2)
        crack = (1.0 - np.abs(2.0 * n - 1.0)) ** (6 if flavour == "lava" else 14)
        glow = np.array(pal[2], np.float32)
        colour = colour + crack[..., None] * (glow - colour) * (0.95 if flavour == "lava" else 0.6)
    elif flavour == "marble":
        y, x = _grid(s)
        turb = periodic_noise(rng, s, s / 4, octaves=3)
        vein = (1.0 - np.abs(np.sin(math.tau * (x / s * 2 + y / s + 2.5 * turb)))) ** 10
        colour = colour + vein[..., None] * (np.array(pal[2], np.float32) - colour) * 0.8
    elif flavour == "speckle":
        dots = periodic_noise(rng, s, 2.0)
        colour *= (0.8 + 0.4 * dots)[..., None]
    else:
        fine = periodic_noise(rng, s, max(2.0, s / 60))
        colour *= (0.93 + 0.12 * fine)[..., None]
    out: Arr = colour
    return out


_PAINTERS: dict[str, Callable[[int, np.random.Generator, tuple[RGB, RGB, RGB], int], Arr]] = {
    "bricks": _paint_bricks,
    "stones": _paint_stones,
    "grass": _paint_grass,
    "water": _paint_water,
    "wood": _paint_wood,
    "polka": _paint_polka,
    "checker": _paint_checker,
}


# ---------------------------------------------------------------------------------------
# tile: making a picture wrap
# ---------------------------------------------------------------------------------------


def _square(im: Image.Image, size: int) -> Arr:
    side = min(im.size)
    left, top = (im.width - side) // 2, (im.height - side) // 2
    crop = im.crop((left, top, left + side, top + side)).resize((size, size), Image.Resampling.LANCZOS)
    out: Arr = np.asarray(crop, dtype=np.float32)
    return out


def _offset_blend(arr: Arr, blend: float, axis: int) -> Arr:
    """Cross-fade toward a copy rolled by half the size, only near the two edges of ``axis``.

    At the edges the result comes entirely from the rolled copy, whose edge pixels are
    neighbours in the middle of the picture, so the wrap is continuous; in the middle the
    original is untouched, hiding the rolled copy's own seam.
    """
    n = arr.shape[axis]
    rolled = np.roll(arr, n // 2, axis=axis)
    pos = np.arange(n, dtype=np.float32)
    edge = np.minimum(pos, n - 1 - pos)
    w = np.clip(edge / max(1.0, blend * n), 0, 1)
    w = w * w * (3 - 2 * w)
    shape = [1] * arr.ndim
    shape[axis] = n
    w = w.reshape(shape)
    mean = arr.mean(axis=(0, 1), keepdims=True)
    mixed = w * arr + (1 - w) * rolled
    # Averaging two unrelated pictures flattens contrast; rescale to keep the texture alive.
    spread = np.sqrt(w * w + (1 - w) * (1 - w))
    out: Arr = np.clip(mean + (mixed - mean) / spread, 0, 255)
    return out


def _mirror_tile(im: Image.Image, size: int) -> Arr:
    half = (size + 1) // 2
    q = _square(im, half)
    row = np.concatenate([q, q[:, ::-1][:, size % 2 :]], axis=1)
    out: Arr = np.concatenate([row, row[::-1][size % 2 :]], axis=0)
    return out


def tile(req: GenRequest) -> GenResult:
    size = int(req.params.get("size", 256))
    blend = float(req.params.get("blend", 0.15))
    detail = {"low": 1, "medium": 2, "high": 3}.get(req.tension, 2)
    rng = _rng(req, "image.tile")
    source = req.inputs.get("image")
    meta: dict[str, Any] = {"width": size, "height": size}
    if source is not None:
        req.progress(0.1, "Looking at your picture")
        picture, has_alpha = decode_picture(source, "image")
        if blend <= 0.0:
            arr = _mirror_tile(picture, size)
            meta["method"] = "mirror"
        else:
            arr = _square(picture, size)
            req.progress(0.5, "Hiding the seams")
            arr = _offset_blend(_offset_blend(arr, blend, 1), blend, 0)
            meta["method"] = "offset_blend"
        if not has_alpha:
            arr = arr[..., :3]
        meta["source"] = "image"
        stem = _stem(req, "tile")
    else:
        intent = words.parse(req.intent)
        pattern, word = _choose_pattern(intent, rng)
        pal = _pattern_colours(pattern, word, intent)
        req.progress(0.3, f"Painting {pattern.name}")
        if pattern.name == "leaves":
            autumn = intent.has("autumn", "fall", "orange", "autumnal") or intent.theme == "lava"
            arr = _paint_leaves(size, rng, pal, detail, autumn, bool(intent.colours))
        elif pattern.name == "ground":
            flavour = _GROUNDS.get(_GROUND_ALIASES.get(word, word), ((pal), "soft"))[1]
            arr = _paint_ground(size, rng, pal, detail, flavour)
        else:
            arr = _PAINTERS[pattern.name](size, rng, pal, detail)
        # Words like "seamless" or "blend" change nothing here: painted patterns wrap exactly.
        meta.update(source="words", pattern=pattern.name, palette=[words.hex_colour(c) for c in pal])
        stem = words.slug(req.intent, pattern.name)
    req.progress(0.85, "Checking that it repeats")
    data = png_bytes(_to_image(arr))
    seams = check_tileable(data)
    meta["seams"] = {k: seams[k] for k in ("tileable", "ratio_x", "ratio_y")}
    req.progress(1.0, "All done!")
    out = Output(data=data, mime="image/png", name=f"{stem}-tile.png", role="main", meta=meta)
    return GenResult(outputs=[out], meta=meta)


# ---------------------------------------------------------------------------------------
# palette: median cut and k-means over 6-bit colour bins
# ---------------------------------------------------------------------------------------


def _sample(im: Image.Image) -> Image.Image:
    """An evenly spaced nearest-neighbour sample: keeps the picture's exact colours."""
    n = im.width * im.height
    if n <= _SAMPLE_PIXELS:
        return im
    k = math.sqrt(n / _SAMPLE_PIXELS)
    return im.resize((max(1, round(im.width / k)), max(1, round(im.height / k))), Image.Resampling.NEAREST)


def colour_bins(rgb: Arr) -> tuple[Arr, Arr]:
    """Mean colour and pixel count of each occupied 6-bit-per-channel bin."""
    q = rgb.astype(np.int64) >> 2
    ids = (q[:, 0] << 12) | (q[:, 1] << 6) | q[:, 2]
    counts = np.bincount(ids, minlength=1 << 18)
    used = np.nonzero(counts)[0]
    means = (
        np.stack(
            [
                np.bincount(ids, weights=rgb[:, ch].astype(np.float64), minlength=1 << 18)[used]
                for ch in range(3)
            ],
            axis=1,
        )
        / counts[used, None]
    )
    return means, counts[used].astype(np.float64)


def median_cut(colours: Arr, weights: Arr, k: int) -> list[tuple[Arr, float]]:
    """Split the box with the most (pixels x colour range) at its weighted median, k-1 times."""
    boxes = [np.arange(len(colours))]
    while len(boxes) < k:
        scores = []
        for idx in boxes:
            spread = colours[idx].max(axis=0) - colours[idx].min(axis=0)
            scores.append(float(weights[idx].sum() * spread.max()) if len(idx) > 1 else 0.0)
        best = int(np.argmax(scores))
        if scores[best] <= 0.0:
            break  # every box holds a single colour
        idx = boxes.pop(best)
        channel = int(np.argmax(colours[idx].max(axis=0) - colours[idx].min(axis=0)))
        order = idx[np.argsort(colours[idx, channel], kind="stable")]
        cum = np.cumsum(weights[order])
        cut = int(np.searchsorted(cum, cum[-1] / 2.0))
        cut = min(max(cut, 1), len(order) - 1)
        boxes.extend([order[:cut], order[cut:]])
    out = []
    for idx in boxes:
        w = weights[idx]
        out.append(((colours[idx] * w[:, None]).sum(axis=0) / w.sum(), float(w.sum())))
    return out


def kmeans(
    colours: Arr, weights: Arr, k: int, rng: np.random.Generator, iterations: int = 16
) -> tuple[list[tuple[Arr, float]], Arr]:
    """Weighted k-means with k-means++ seeding; returns (centre, weight) pairs and bin labels."""
    n = len(colours)
    first = int(rng.choice(n, p=weights / weights.sum()))
    centres = [colours[first]]
    d2 = ((colours - centres[0]) ** 2).sum(axis=1)
    while len(centres) < k:
        p = d2 * weights
        if p.sum() <= 0:
            break  # fewer distinct colours than asked for
        pick = int(rng.choice(n, p=p / p.sum()))
        centres.append(colours[pick])
        d2 = np.minimum(d2, ((colours - colours[pick]) ** 2).sum(axis=1))
    c = np.array(centres, dtype=np.float64)
    labels = np.zeros(n, dtype=np.int64)
    for step in range(iterations):
        dist = ((colours[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        new = np.argmin(dist, axis=1)
        if step and np.array_equal(new, labels):
            break
        labels = new
        mass = np.bincount(labels, weights=weights, minlength=len(c))
        for ch in range(3):
            total = np.bincount(labels, weights=weights * colours[:, ch], minlength=len(c))
            c[:, ch] = np.where(mass > 0, total / np.maximum(mass, 1e-12), c[:, ch])
    mass = np.bincount(labels, weights=weights, minlength=len(c))
    return [(c[i], float(mass[i])) for i in range(len(c)) if mass[i] > 0], labels


def _palette_entries(clusters: list[tuple[Arr, float]]) -> list[dict[str, Any]]:
    merged: dict[str, tuple[tuple[int, int, int], float]] = {}
    total = sum(w for _, w in clusters) or 1.0
    for centre, w in clusters:
        rgb = words.clamp_rgb(float(centre[0]), float(centre[1]), float(centre[2]))
        key = words.hex_colour(rgb)
        merged[key] = (rgb, merged.get(key, (rgb, 0.0))[1] + w / total)
    ranked = sorted(merged.items(), key=lambda item: (-item[1][1], item[0]))
    return [{"hex": h, "rgb": list(rgb), "share": round(share, 4)} for h, (rgb, share) in ranked]


def _swatch(entries: list[dict[str, Any]]) -> Image.Image:
    n = len(entries)
    cell = 64 if n <= 16 else 40
    width = cell * n
    band = max(12, cell // 3)
    canvas = Image.new("RGB", (width, cell + band + 4), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for i, e in enumerate(entries):
        draw.rectangle((i * cell, 0, (i + 1) * cell - 1, cell - 1), fill=tuple(e["rgb"]))
    # A strip below shows how much of the picture each colour covers.
    x = 0.0
    for e in entries:
        x1 = x + e["share"] * width
        draw.rectangle(
            (round(x), cell + 4, max(round(x), round(x1) - 1), cell + band + 3), fill=tuple(e["rgb"])
        )
        x = x1
    return canvas


def palette(req: GenRequest) -> GenResult:
    k = int(req.params.get("colours", 8))
    method = str(req.params.get("method", "median_cut"))
    source = req.inputs.get("image")
    if source is None:
        raise GeneratorInputError("image", "Pick a picture to take the colours from.")
    req.progress(0.1, "Looking at your picture")
    picture, _ = decode_picture(source, "image")
    px = np.asarray(_sample(picture)).reshape(-1, 4)
    # Mostly see-through pixels are edges and shadows; use them only if nothing else is there.
    px = px[px[:, 3] >= 128][:, :3] if (px[:, 3] >= 128).any() else px[px[:, 3] > 0][:, :3]
    if not len(px):
        raise GeneratorInputError("image", "This picture is completely see-through, so it has no colours.")
    colours, weights = colour_bins(px)
    req.progress(0.4, "Sorting the colours")
    if method == "kmeans":
        iterations = {"low": 8, "medium": 16, "high": 32}.get(req.tension, 16)
        clusters, _ = kmeans(colours, weights, k, _rng(req, "image.palette"), iterations)
    else:
        clusters = median_cut(colours, weights, k)
    entries = _palette_entries(clusters)
    doc = {
        "method": method,
        "requested": k,
        "found": len(entries),
        "pixels": len(px),
        "colours": entries,
    }
    data = json.dumps(doc, indent=2).encode()
    swatch = png_bytes(_swatch(entries))
    meta = {"method": method, "colours": [e["hex"] for e in entries], "found": len(entries)}
    stem = _stem(req, "palette")
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[
            Output(data=data, mime="application/json", name=f"{stem}-palette.json", role="main", meta=meta),
            Output(
                data=swatch,
                mime="image/png",
                name=f"{stem}-swatches.png",
                role="preview",
                meta={"width": len(entries) * (64 if len(entries) <= 16 else 40), **meta},
            ),
        ],
        meta=meta,
    )


# ---------------------------------------------------------------------------------------
# remove_background: flood fill from the border in Lab space
# ---------------------------------------------------------------------------------------


def _spread_runs(mask: Arr, reached: Arr) -> Arr:
    """Grow ``reached`` along each row: a whole run of mask pixels is reached if any of it is."""
    h, w = mask.shape
    m = np.zeros((h, w + 1), dtype=bool)  # a blank column keeps runs from joining across rows
    m[:, :w] = mask
    flat = m.ravel()
    starts = flat & ~np.concatenate(([False], flat[:-1]))
    ids = np.where(flat, np.cumsum(starts), 0)
    r = np.zeros((h, w + 1), dtype=bool)
    r[:, :w] = reached
    hit = np.bincount(ids[r.ravel() & flat], minlength=int(ids.max()) + 1) > 0
    hit[0] = False
    out: Arr = hit[ids].reshape(h, w + 1)[:, :w]
    return out


def flood(mask: Arr, seeds: Arr) -> Arr:
    """4-connected flood fill of ``mask`` from ``seeds``, alternating row and column sweeps."""
    reached = seeds & mask
    count = -1
    while int(reached.sum()) != count:
        count = int(reached.sum())
        reached = _spread_runs(mask, reached)
        reached = _spread_runs(mask.T, reached.T).T
    return reached


def _box_blur(a: Arr, r: int) -> Arr:
    if r < 1:
        return a
    out = a
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]
        pad[axis] = (r + 1, r)
        c = np.cumsum(np.pad(out, pad, mode="edge"), axis=axis, dtype=np.float32)
        n = out.shape[axis]
        hi = np.take(c, np.arange(2 * r + 1, 2 * r + 1 + n), axis=axis)
        lo = np.take(c, np.arange(0, n), axis=axis)
        out = (hi - lo) / np.float32(2 * r + 1)
    return out


def _background_colours(lab: Arr, rgb: Arr, ring: Arr) -> list[Arr]:
    """The border's dominant colours (each at least 15% of the border), as Lab."""
    border_rgb = rgb[ring].astype(np.int64) >> 4
    ids = (border_rgb[:, 0] << 8) | (border_rgb[:, 1] << 4) | border_rgb[:, 2]
    border_lab = lab[ring]
    counts = np.bincount(ids, minlength=4096)
    found: list[Arr] = []
    for b in np.argsort(-counts, kind="stable")[:3]:
        if counts[b] < 0.15 * len(ids) and found:
            break
        centre = border_lab[ids == b].mean(axis=0)
        if all(float(np.linalg.norm(centre - f)) > 8.0 for f in found):
            found.append(centre)
    return found


def remove_background(req: GenRequest) -> GenResult:
    tolerance = int(req.params.get("tolerance", 30))
    feather = int(req.params.get("feather", 1))
    source = req.inputs.get("image")
    if source is None:
        raise GeneratorInputError("image", "Pick a picture whose background should go.")
    req.progress(0.1, "Looking at your picture")
    picture, _ = decode_picture(source, "image")
    arr = np.asarray(picture)
    h, w = arr.shape[:2]
    rgb = arr[..., :3]
    alpha0 = arr[..., 3].astype(np.float32) / 255.0
    lab = to_lab(rgb)
    ring = np.zeros((h, w), dtype=bool)
    ring[0, :] = ring[-1, :] = ring[:, 0] = ring[:, -1] = True
    visible_ring = ring & (alpha0 >= 0.5)
    req.progress(0.3, "Finding the background")
    # Tolerance 0..100 maps to a Lab distance of 0..50 (about 2 is the smallest visible step).
    threshold = tolerance * 0.5
    backgrounds = _background_colours(lab, rgb, visible_ring) if visible_ring.any() else []
    if backgrounds:
        dist = np.min([np.linalg.norm(lab - c, axis=-1) for c in backgrounds], axis=0)
    else:
        dist = np.full((h, w), np.inf, dtype=np.float32)
    candidate = (dist <= threshold) | (alpha0 < 0.03)
    req.progress(0.5, "Flooding in from the edges")
    bg = flood(candidate, ring)
    keep = (~bg).astype(np.float32)
    if feather > 0:
        # Blurring the kept mask and stretching its upper half gives a ramp inside the edge,
        # so no background colour is left around the subject.
        soft: Arr = np.clip(_box_blur(keep, feather) * 2.0 - 1.0, 0.0, 1.0) * keep
    else:
        soft = keep
    alpha = np.minimum(alpha0, soft)
    out = np.empty((h, w, 4), dtype=np.uint8)
    out[..., :3] = rgb
    out[..., 3] = np.round(alpha * 255.0).astype(np.uint8)
    out[out[..., 3] == 0, :3] = 0  # no stray colours hidden under full transparency
    data = png_bytes(Image.fromarray(out))
    lab_to_hex = []
    for c in backgrounds:
        near = np.argmin(np.linalg.norm(lab[visible_ring] - c, axis=-1))
        lab_to_hex.append(_hex(rgb[visible_ring][near]))
    meta = {
        "width": w,
        "height": h,
        "background": lab_to_hex,
        "removed": round(float(bg.mean()), 4),
        "tolerance": tolerance,
        "feather": feather,
    }
    req.progress(1.0, "All done!")
    name = f"{_stem(req, 'cutout')}-cutout.png"
    return GenResult(
        outputs=[Output(data=data, mime="image/png", name=name, role="main", meta=meta)], meta=meta
    )


# ---------------------------------------------------------------------------------------
# upscale: EPX / Scale2x / Scale3x for pixel art, Lanczos for everything else
# ---------------------------------------------------------------------------------------


def scale2x(p: Arr) -> Arr:
    """Scale2x (EPX) on a 2D array of colour ids: corners follow matching neighbours."""
    q = np.pad(p, 1, mode="edge")
    a, d = q[:-2, 1:-1], q[2:, 1:-1]  # up, down
    c, b = q[1:-1, :-2], q[1:-1, 2:]  # left, right
    out = np.empty((p.shape[0] * 2, p.shape[1] * 2), dtype=p.dtype)
    out[0::2, 0::2] = np.where((c == a) & (c != d) & (a != b), a, p)
    out[0::2, 1::2] = np.where((a == b) & (a != c) & (b != d), b, p)
    out[1::2, 0::2] = np.where((d == c) & (d != b) & (c != a), c, p)
    out[1::2, 1::2] = np.where((b == d) & (b != a) & (d != c), d, p)
    return out


def scale3x(p: Arr) -> Arr:
    """Scale3x (AdvMAME3x) on a 2D array of colour ids."""
    q = np.pad(p, 1, mode="edge")
    A, B, C = q[:-2, :-2], q[:-2, 1:-1], q[:-2, 2:]  # noqa: N806 (the algorithm's own names)
    D, E, F = q[1:-1, :-2], p, q[1:-1, 2:]  # noqa: N806
    G, H, I = q[2:, :-2], q[2:, 1:-1], q[2:, 2:]  # noqa: N806, E741
    db = (D == B) & (B != F) & (D != H)
    bf = (B == F) & (B != D) & (F != H)
    dh = (D == H) & (D != B) & (H != F)
    hf = (H == F) & (D != H) & (B != F)
    out = np.empty((p.shape[0] * 3, p.shape[1] * 3), dtype=p.dtype)
    out[0::3, 0::3] = np.where(db, D, E)
    out[0::3, 1::3] = np.where((db & (E != C)) | (bf & (E != A)), B, E)
    out[0::3, 2::3] = np.where(bf, F, E)
    out[1::3, 0::3] = np.where((db & (E != G)) | (dh & (E != A)), D, E)
    out[1::3, 1::3] = E
    out[1::3, 2::3] = np.where((bf & (E != I)) | (hf & (E != C)), F, E)
    out[2::3, 0::3] = np.where(dh, D, E)
    out[2::3, 1::3] = np.where((dh & (E != I)) | (hf & (E != G)), H, E)
    out[2::3, 2::3] = np.where(hf, F, E)
    return out


def count_colours(im: Image.Image, limit: int = 4096) -> int:
    """Distinct RGBA colours (stops counting at ``limit``); fully transparent pixels are one colour."""
    arr = np.ascontiguousarray(np.asarray(_sample(im)))
    ids = arr.view(np.uint32)[..., 0].ravel()
    ids = np.where(arr[..., 3].ravel() == 0, 0, ids)
    return min(limit, len(np.unique(ids)))


def looks_like_pixel_art(im: Image.Image) -> bool:
    n = count_colours(im)
    return n <= 64 or (n <= 256 and max(im.size) <= 256)


def upscale(req: GenRequest) -> GenResult:
    factor = int(req.params.get("scale", 2))
    method = str(req.params.get("method", "auto"))
    source = req.inputs.get("image")
    if source is None:
        raise GeneratorInputError("image", "Pick a picture to make bigger.")
    with open_picture(source, "image") as header:  # refuse before decoding any pixels
        w, h = header.size
    if w * h * factor * factor > _MAX_UPSCALED_PIXELS:
        raise GeneratorInputError(
            "image", f"This picture is {w}x{h}; {factor} times bigger would be over 64 megapixels."
        )
    picture, has_alpha = decode_picture(source, "image")
    w, h = picture.size  # EXIF rotation may have swapped the sides
    req.progress(0.2, "Looking closely at the pixels")
    pixel_art = looks_like_pixel_art(picture)
    use_pixel = method == "pixel" or (method == "auto" and pixel_art)
    if use_pixel:
        arr = np.ascontiguousarray(np.asarray(picture))
        ids = arr.view(np.uint32)[..., 0]
        if req.tension == "low":
            big = np.repeat(np.repeat(ids, factor, axis=0), factor, axis=1)
            used = "nearest"
        elif factor == 3:
            big, used = scale3x(ids), "scale3x"
        else:
            big = scale2x(ids)
            big, used = (scale2x(big), "scale4x") if factor == 4 else (big, "scale2x")
        result = Image.fromarray(np.ascontiguousarray(big).view(np.uint8).reshape(h * factor, w * factor, 4))
    else:
        req.progress(0.5, "Smoothing")
        result = picture.resize((w * factor, h * factor), Image.Resampling.LANCZOS)
        used = "lanczos"
    if not has_alpha:
        result = result.convert("RGB")
    data = png_bytes(result)
    meta = {
        "width": w * factor,
        "height": h * factor,
        "scale": factor,
        "method": used,
        "pixel_art": pixel_art,
    }
    req.progress(1.0, "All done!")
    name = f"{_stem(req, 'bigger')}-x{factor}.png"
    return GenResult(
        outputs=[Output(data=data, mime="image/png", name=name, role="main", meta=meta)], meta=meta
    )


# ---------------------------------------------------------------------------------------
# variation: colour shifts, palette swaps, warps and recomposition
# ---------------------------------------------------------------------------------------


_MESH_CELLS = 16


def _mesh(sx: Arr, sy: Arr, w: int, h: int) -> list[tuple[tuple[int, int, int, int], tuple[float, ...]]]:
    """Pillow MESH data: each output cell maps from the source quad at its corner coordinates.

    ``sx``/``sy`` hold the source position of every grid vertex ((n+1) x (m+1)); a smooth map
    (zoom, flip, gentle warp) is reproduced closely by these piecewise-affine quads.
    """
    xs = np.linspace(0, w, sx.shape[1]).round().astype(int)
    ys = np.linspace(0, h, sx.shape[0]).round().astype(int)
    data: list[tuple[tuple[int, int, int, int], tuple[float, ...]]] = []
    for r in range(len(ys) - 1):
        for c in range(len(xs) - 1):
            if xs[c + 1] <= xs[c] or ys[r + 1] <= ys[r]:
                continue
            quad = (
                float(sx[r, c]), float(sy[r, c]),
                float(sx[r + 1, c]), float(sy[r + 1, c]),
                float(sx[r + 1, c + 1]), float(sy[r + 1, c + 1]),
                float(sx[r, c + 1]), float(sy[r, c + 1]),
            )  # fmt: skip
            data.append(((int(xs[c]), int(ys[r]), int(xs[c + 1]), int(ys[r + 1])), quad))
    return data


def _field(rng: np.random.Generator, n: int) -> Arr:
    """Smooth noise in -1..1 on an n x n vertex grid (about three bumps across)."""
    out: Arr = (periodic_noise(rng, n, n / 3) - 0.5) * 2.0
    return out


def _colour_groups(picture: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, int]:
    """Label every pixel with its k-means colour group (an "L" image) for palette swaps."""
    src = np.asarray(picture)
    rgb = src[..., :3].reshape(-1, 3).astype(np.float32)
    opaque = src[..., 3].ravel() >= 128
    colours, weights = colour_bins(rgb[opaque] if opaque.any() else rgb)
    centres = np.array([c for c, _ in kmeans(colours, weights, 6, rng, 10)[0]], dtype=np.float32)
    # |p - c|^2 = |p|^2 - 2 p.c + |c|^2; the |p|^2 term does not change the winner.
    dot = rgb[:, 0:1] * centres[:, 0] + rgb[:, 1:2] * centres[:, 1] + rgb[:, 2:3] * centres[:, 2]
    score = (centres * centres).sum(axis=1)[None, :] - 2.0 * dot
    labels = np.argmin(score, axis=1).astype(np.uint8).reshape(src.shape[:2])
    return Image.fromarray(labels, mode="L"), len(centres)


def variation(req: GenRequest) -> GenResult:
    amount = float(req.params.get("amount", 0.3))
    count = int(req.params.get("count", 4))
    source = req.inputs.get("image")
    if source is None:
        raise GeneratorInputError("image", "Pick a picture to make variations of.")
    picture, has_alpha = decode_picture(source, "image")
    if max(picture.size) > _VARIATION_SIDE:
        k = _VARIATION_SIDE / max(picture.size)
        picture = picture.resize(
            (max(1, round(picture.width * k)), max(1, round(picture.height * k))), Image.Resampling.LANCZOS
        )
    w, h = picture.size
    pixel_art = looks_like_pixel_art(picture)
    # Premultiplied alpha, so resampling never drags hidden colours into view.
    premul = picture.convert("RGBa")
    groups, n_groups = _colour_groups(picture, _rng(req, "image.variation.groups"))
    resample = Image.Resampling.NEAREST if pixel_art else Image.Resampling.BILINEAR

    effective = max(amount, 0.03)  # "almost the same" still differs a little
    n = _MESH_CELLS + 1
    gy, gx = np.meshgrid(np.linspace(0, h, n), np.linspace(0, w, n), indexing="ij")
    outputs: list[Output] = []
    thumbs: list[Image.Image] = []
    stem = _stem(req, "variation")
    for i in range(count):
        req.progress(0.1 + 0.8 * i / count, f"Making variation {i + 1}")
        rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, f"image.variation.{i}"))
        steps: list[str] = []
        # Geometry: flip, zoom, shift and a gentle warp folded into one mesh transform.
        sx, sy = gx.copy(), gy.copy()
        if pixel_art:
            # Pixel art is only mirrored: zooms and warps would make its pixels uneven.
            if rng.random() < effective:
                sx = w - gx
                steps.append("flip")
        else:
            if rng.random() < effective:
                zoom = 1.0 + 0.3 * effective * float(rng.random())
                flip = -1.0 if rng.random() < 0.5 else 1.0
                cx = w / 2 + (rng.random() - 0.5) * w * 0.2 * effective
                cy = h / 2 + (rng.random() - 0.5) * h * 0.2 * effective
                sx = cx + (gx - w / 2) * flip / zoom
                sy = cy + (gy - h / 2) / zoom
                steps.append("flip+zoom" if flip < 0 else "zoom")
            warp = 0.035 * effective * min(w, h)
            if warp >= 0.35:
                sx = sx + _field(rng, n) * warp
                sy = sy + _field(rng, n) * warp
                steps.append("warp")
        # Never sample outside the picture: an opaque photo must not grow see-through edges.
        mesh = _mesh(np.clip(sx, 0.5, w - 0.5), np.clip(sy, 0.5, h - 0.5), w, h)
        moved = np.asarray(
            premul.transform((w, h), Image.Transform.MESH, mesh, resample=resample).convert("RGBA"),
            dtype=np.float32,
        )
        flat = moved[..., :3].reshape(-1, 3)
        # Colour: every other variation swaps each colour group on its own.
        if i % 2 == 1:
            mats = np.stack(
                [
                    colour_matrix(
                        float(rng.uniform(-180, 180)) * effective,
                        1 + float(rng.uniform(-0.4, 0.4)) * effective,
                    )
                    for _ in range(n_groups)
                ]
            )
            labels = np.asarray(
                groups.transform((w, h), Image.Transform.MESH, mesh, Image.Resampling.NEAREST)
            )
            per_pixel = mats[labels.ravel()]
            flat = (
                per_pixel[:, :, 0] * flat[:, 0:1]
                + per_pixel[:, :, 1] * flat[:, 1:2]
                + per_pixel[:, :, 2] * flat[:, 2:3]
            )
            steps.append("palette swap")
        else:
            m = colour_matrix(
                float(rng.uniform(-180, 180)) * effective,
                1 + float(rng.uniform(-0.5, 0.5)) * effective,
                1 + float(rng.uniform(-0.15, 0.15)) * effective,
            )
            flat = apply_matrix(flat, m)
            steps.append("hue shift")
        out = np.empty((h, w, 4), dtype=np.float32)
        out[..., :3] = flat.reshape(h, w, 3)
        out[..., 3] = moved[..., 3]
        image = _to_image(out if has_alpha else out[..., :3])
        # Level 2 writes several pictures about three times faster for ~10% more bytes.
        data = png_bytes(image, level=2)
        vmeta = {"width": w, "height": h, "index": i + 1, "steps": steps}
        outputs.append(
            Output(data=data, mime="image/png", name=f"{stem}-{i + 1}.png", role="main", meta=vmeta)
        )
        thumbs.append(image.convert("RGBA"))
    req.progress(0.95, "Laying out the contact sheet")
    sheet = _contact_sheet(thumbs)
    meta = {"width": w, "height": h, "count": count, "amount": amount, "pixel_art": pixel_art}
    outputs.append(
        Output(
            data=png_bytes(sheet, level=2),
            mime="image/png",
            name=f"{stem}-sheet.png",
            role="preview",
            meta={"width": sheet.width, "height": sheet.height, "count": count},
        )
    )
    req.progress(1.0, "All done!")
    return GenResult(outputs=outputs, meta=meta)


def _contact_sheet(images: list[Image.Image], cell: int = 160, pad: int = 8) -> Image.Image:
    cols = min(4, len(images))
    rows = math.ceil(len(images) / cols)
    sheet = Image.new("RGB", (cols * (cell + pad) + pad, rows * (cell + pad) + pad), (236, 236, 240))
    # A light checkerboard behind each thumbnail shows where the picture is see-through.
    yy, xx = np.indices((cell, cell))
    checks = (yy // 8 + xx // 8) % 2
    board = Image.fromarray(np.where(checks[..., None] == 1, 214, 250).astype(np.uint8).repeat(3, axis=2))
    for n, im in enumerate(images):
        k = cell / max(im.size)
        tw, th = max(1, round(im.width * k)), max(1, round(im.height * k))
        thumb = im.resize((tw, th), Image.Resampling.BOX if k < 1 else Image.Resampling.NEAREST)
        x0 = pad + (n % cols) * (cell + pad) + (cell - tw) // 2
        y0 = pad + (n // cols) * (cell + pad) + (cell - th) // 2
        sheet.paste(board.crop((0, 0, tw, th)), (x0, y0))
        sheet.paste(thumb, (x0, y0), thumb)
    return sheet
