"""Image · Seamless tile: A square pattern that repeats forever without visible seams.

Painted from words (bricks, stones, grass, leaves, water, wood, dots, checks, ground), or
made from a picture by mirroring it or blending its edges into a copy rolled half-way round.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from limbs.craft import words as words
from limbs.craft.pictures import decode_picture, png_bytes
from limbs.craft.words import RGB, Intent
from limbs.params import IMAGE, asset, integer, kw, number
from limbs.parts.image._seams import check_tileable, validate_tile
from limbs.parts.image._tools import Arr, file_stem, periodic_noise, request_rng, to_image
from limbs.spec import ActionSpec, GenRequest, GenResult, Output, main_output


def _ramp(t: Arr, stops: list[tuple[float, RGB]]) -> Arr:
    """Map 0..1 values through a colour gradient."""
    xs = [s for s, _ in stops]
    out = np.empty((*t.shape, 3), dtype=np.float32)
    for ch in range(3):
        out[..., ch] = np.interp(t, xs, [float(c[ch]) for _, c in stops])
    return out


def _grid(size: int) -> tuple[Arr, Arr]:
    """Pixel-centre coordinates (y, x) as float32 arrays."""
    c = np.arange(size, dtype=np.float32) + 0.5
    return c[:, None] * np.ones((1, size), np.float32), np.ones((size, 1), np.float32) * c[None, :]


# ---------------------------------------------------------------------------------------
# Patterns from words
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
# Making a picture wrap
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


def make(req: GenRequest) -> GenResult:
    size = int(req.params.get("size", 256))
    blend = float(req.params.get("blend", 0.15))
    detail = {"low": 1, "medium": 2, "high": 3}.get(req.tension, 2)
    rng = request_rng(req, "image.tile")
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
        stem = file_stem(req, "tile")
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
    data = png_bytes(to_image(arr))
    seams = check_tileable(data)
    meta["seams"] = {k: seams[k] for k in ("tileable", "ratio_x", "ratio_y")}
    req.progress(1.0, "All done!")
    out = Output(data=data, mime="image/png", name=f"{stem}-tile.png", role="main", meta=meta)
    return GenResult(outputs=[out], meta=meta)


def check(outputs: Sequence[Output]) -> None:
    """The main picture really tiles: its opposite edges meet without a seam."""
    validate_tile(main_output(outputs).data)


ACTION = ActionSpec(
    id="tile",
    name="Seamless tile",
    description="A square pattern that repeats forever without visible seams.",
    output="image",
    needs_intent=False,
    params=(
        asset(
            "image",
            "Picture to tile",
            IMAGE,
            "Optional: a picture to turn into a tile. Leave empty to make one from your words.",
            required=False,
        ),
        integer("size", "Size", 256, 32, 1024, "Width and height of the tile, in pixels."),
        number(
            "blend",
            "Seam blend",
            0.15,
            0.0,
            0.5,
            "How much of the edge is blended so the seams disappear.",
            step=0.05,
        ),
    ),
    keywords=kw("tile, tileable, seamless, pattern, texture, repeat, repeating"),
    check=check,
    make=make,
)
