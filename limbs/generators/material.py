"""Procedural materials: tileable PBR map sets and GLSL fragment shaders.

``pbr`` grows one periodic height field per surface recipe (planks, bricks, cobbles, ...)
and derives every other map from it, so the normal, AO and roughness maps agree with the
colour map and all of them wrap around without seams. ``shader`` composes a fragment
shader from a small library of GLSL snippets. Pure functions of their ``GenRequest``.
"""

from __future__ import annotations

import io
import json
import math
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from limbs.craft import words as words
from limbs.craft.words import RGB
from limbs.spec import GeneratorInputError, GenRequest, GenResult, Output

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]

MAX_INPUT_PIXELS = 4096 * 4096
# Registry defaults: a value equal to these means "let the material decide".
_ROUGHNESS_DEFAULT = 0.6
_METALLIC_DEFAULT = 0.0
_OCTAVES = {"low": 3, "medium": 5, "high": 6}
_SPHERE = {"low": (32, 16), "medium": (48, 24), "high": (72, 36)}

# ---------------------------------------------------------------------------------------
# Periodic fields: everything below wraps around, which is what makes the maps tile
# ---------------------------------------------------------------------------------------


def _smooth(t: F32) -> F32:
    out: F32 = t * t * (3.0 - 2.0 * t)
    return out


def _lerp_axis(grid: F32, n: int, axis: int) -> F32:
    g = grid.shape[axis]
    x = np.arange(n, dtype=np.float32) * (g / n)
    i0 = np.floor(x).astype(np.int64)
    f = _smooth(x - i0)
    a = np.take(grid, i0 % g, axis=axis)
    b = np.take(grid, (i0 + 1) % g, axis=axis)
    shape = [1, 1]
    shape[axis] = n
    out: F32 = a + (b - a) * f.reshape(shape)
    return out


def value_noise(rng: np.random.Generator, n: int, cells: int, stretch: tuple[int, int] = (1, 1)) -> F32:
    """Periodic value noise on an n x n tile; ``stretch`` gives more cells along (y, x)."""
    gy, gx = max(1, cells * stretch[0]), max(1, cells * stretch[1])
    grid = rng.random((gy, gx), dtype=np.float32)
    return _lerp_axis(_lerp_axis(grid, n, 1), n, 0)


def fbm(
    rng: np.random.Generator,
    n: int,
    cells: int,
    octaves: int,
    gain: float = 0.5,
    stretch: tuple[int, int] = (1, 1),
) -> F32:
    """Fractal sum of periodic value noise, normalised to 0..1."""
    total = np.zeros((n, n), dtype=np.float32)
    amp = 1.0
    for _ in range(octaves):
        if cells * max(stretch) > n:
            break
        total += amp * (value_noise(rng, n, cells, stretch) - 0.5)
        amp *= gain
        cells *= 2
    return _normalise(total)


def worley(
    rng: np.random.Generator, n: int, cells: int, jitter: float = 0.9
) -> tuple[F32, F32, npt.NDArray[np.int32]]:
    """Periodic cellular noise: distance to the nearest and second point, and the cell id."""
    pts = (0.5 + (rng.random((cells, cells, 2)) - 0.5) * jitter).astype(np.float32)
    coord = (np.arange(n, dtype=np.float32) + 0.5) * (cells / n)
    cell = np.floor(coord).astype(np.int64)
    frac = coord - cell
    f1 = np.full((n, n), 9.0, dtype=np.float32)
    f2 = f1.copy()
    ids = np.zeros((n, n), dtype=np.int32)
    for oy in (-1, 0, 1):
        ry = (cell + oy) % cells  # wrapping the neighbour index is what makes it tile
        rows = pts[ry]
        for ox in (-1, 0, 1):
            rx = (cell + ox) % cells
            p = rows[:, rx]
            ddy = (oy + p[..., 0]) - frac[:, None]
            ddx = (ox + p[..., 1]) - frac[None, :]
            d = np.sqrt(ddy * ddy + ddx * ddx)
            closer = d < f1
            np.minimum(f2, d, out=f2)
            np.copyto(f2, f1, where=closer)
            np.copyto(ids, (ry[:, None] * cells + rx[None, :]).astype(np.int32), where=closer)
            np.minimum(f1, d, out=f1)
    return f1, f2, ids


def blur(field: F32, sigma: float) -> F32:
    """Gaussian blur with wrap-around edges (in the frequency domain, so it is exactly periodic)."""
    if sigma <= 0:
        return field
    h, w = field.shape
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    response = np.exp(-2.0 * (math.pi * sigma) ** 2 * (fx * fx + fy * fy))
    out: F32 = np.fft.irfft2(np.fft.rfft2(field) * response, s=(h, w)).astype(np.float32)
    return out


def _normalise(a: F32) -> F32:
    lo, hi = float(a.min()), float(a.max())
    out: F32 = ((a - lo) / (hi - lo if hi > lo else 1.0)).astype(np.float32)
    return out


def _grid(n: int) -> tuple[F32, F32]:
    """Pixel-centre coordinates in 0..1 along y and x."""
    c = (np.arange(n, dtype=np.float32) + 0.5) / n
    yy, xx = np.meshgrid(c, c, indexing="ij")
    return yy.astype(np.float32), xx.astype(np.float32)


def normal_map(height: F32, strength: float) -> F32:
    """Tangent-space normals (glTF/OpenGL convention: +X right, +Y up) from a periodic height."""
    n = height.shape[0]
    # Central differences with wrap-around; the height spans about 1/8 of the tile's width.
    k = strength * n / 16.0
    dx = (np.roll(height, -1, axis=1) - np.roll(height, 1, axis=1)) * k
    dy = (np.roll(height, -1, axis=0) - np.roll(height, 1, axis=0)) * k
    # Image rows grow downward, texture "up" is -y, hence +dy for the green channel.
    vec = np.stack([-dx, dy, np.ones_like(height)], axis=-1)
    out: F32 = (vec / np.linalg.norm(vec, axis=-1, keepdims=True)).astype(np.float32)
    return out


def ambient_occlusion(height: F32) -> F32:
    """Cavity occlusion: how far a texel sits below its blurred neighbourhood, at two scales."""
    n = height.shape[0]
    near = np.maximum(blur(height, n / 128) - height, 0.0)
    far = np.maximum(blur(height, n / 24) - height, 0.0)
    ao = 1.0 - 2.2 * near - 1.4 * far
    out: F32 = np.clip(ao, 0.2, 1.0).astype(np.float32)
    return out


# ---------------------------------------------------------------------------------------
# Surface recipes
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    name: str
    words: tuple[str, ...]
    colours: tuple[RGB, RGB, RGB]  # dark, mid, light
    roughness: float
    metallic: float


_KINDS: tuple[Kind, ...] = (
    Kind(
        "brick",
        ("brick", "bricks", "brickwork", "wall"),
        ((92, 38, 30), (160, 72, 52), (198, 118, 88)),
        0.85,
        0.0,
    ),
    Kind(
        "cobble",
        ("cobble", "cobbles", "cobblestone", "cobblestones", "pebble", "pebbles", "paving"),
        ((70, 68, 66), (128, 124, 118), (178, 172, 162)),
        0.8,
        0.0,
    ),
    Kind(
        "tiles",
        ("tile", "tiles", "tiled", "ceramic", "checker", "checkered", "bathroom", "kitchen"),
        ((150, 150, 156), (210, 212, 216), (240, 240, 244)),
        0.3,
        0.0,
    ),
    Kind(
        "wood",
        ("wood", "wooden", "plank", "planks", "timber", "oak", "floorboards", "board", "boards", "log"),
        ((92, 56, 30), (150, 100, 56), (196, 146, 92)),
        0.7,
        0.0,
    ),
    Kind(
        "rust",
        ("rust", "rusty", "rusted", "corroded"),
        ((84, 40, 22), (150, 76, 36), (196, 120, 64)),
        0.8,
        1.0,
    ),
    Kind(
        "metal",
        (
            "metal",
            "metallic",
            "steel",
            "iron",
            "gold",
            "golden",
            "silver",
            "copper",
            "bronze",
            "chrome",
            "brass",
            "aluminium",
            "aluminum",
            "platinum",
            "tin",
        ),
        ((110, 112, 118), (170, 172, 178), (214, 216, 222)),
        0.3,
        1.0,
    ),
    Kind(
        "lava",
        ("lava", "magma", "molten", "volcanic", "volcano"),
        ((28, 20, 20), (62, 40, 34), (255, 120, 30)),
        0.75,
        0.0,
    ),
    Kind("marble", ("marble", "marbled"), ((150, 148, 150), (222, 220, 216), (250, 248, 244)), 0.2, 0.0),
    Kind(
        "ice",
        ("ice", "icy", "frozen", "frost", "glacier"),
        ((90, 150, 200), (160, 206, 236), (226, 244, 252)),
        0.1,
        0.0,
    ),
    Kind("snow", ("snow", "snowy"), ((184, 196, 214), (226, 234, 244), (252, 252, 255)), 0.7, 0.0),
    Kind(
        "grass",
        ("grass", "grassy", "lawn", "meadow", "turf", "moss", "field"),
        ((36, 84, 28), (74, 140, 48), (140, 196, 80)),
        0.9,
        0.0,
    ),
    Kind(
        "sand",
        ("sand", "sandy", "beach", "desert", "dune", "dunes"),
        ((176, 142, 92), (220, 190, 136), (242, 222, 178)),
        0.95,
        0.0,
    ),
    Kind(
        "dirt",
        ("dirt", "mud", "muddy", "soil", "earth", "ground", "clay"),
        ((60, 40, 26), (110, 78, 52), (150, 116, 84)),
        0.95,
        0.0,
    ),
    Kind("leather", ("leather", "hide", "suede"), ((70, 38, 20), (128, 74, 42), (168, 112, 70)), 0.6, 0.0),
    Kind(
        "fabric",
        ("fabric", "cloth", "wool", "woollen", "cotton", "carpet", "denim", "canvas", "knitted", "linen"),
        ((60, 70, 110), (96, 110, 160), (140, 152, 196)),
        1.0,
        0.0,
    ),
    Kind(
        "stone",
        ("stone", "stones", "rock", "rocks", "rocky", "granite", "slate", "cliff", "boulder", "concrete"),
        ((82, 82, 86), (128, 128, 134), (180, 180, 184)),
        0.85,
        0.0,
    ),
)
_KIND_BY_NAME = {k.name: k for k in _KINDS}

_SHINY = frozenset({"shiny", "polished", "glossy", "wet", "smooth", "gleaming", "sparkly", "new"})
_ROUGH = frozenset({"rough", "matte", "dusty", "dry", "chalky", "worn", "old", "ancient", "weathered"})
_OLD = frozenset({"old", "ancient", "worn", "weathered", "cracked", "broken", "ruined"})


@dataclass
class Fields:
    height: F32
    tone: F32  # 0..1 position in the dark -> light colour ramp
    roughness: F32
    metallic: F32
    glow: F32 | None = None  # lava: emissive crack colour weight


def _flat(n: int, value: float) -> F32:
    return np.full((n, n), value, dtype=np.float32)


def _bricks(rng: np.random.Generator, n: int, octaves: int, rows: int, cols: int, mortar: float) -> Fields:
    yy, xx = _grid(n)
    row = np.floor(yy * rows).astype(np.int64)
    # Every other row shifts by half a brick; integer counts keep the wrap exact.
    u = (xx * cols + 0.5 * (row % 2)) % cols
    col = np.floor(u).astype(np.int64) % cols
    fy = yy * rows - row
    fx = u - np.floor(u)
    edge = np.minimum(np.minimum(fy, 1 - fy) * 2.0 / rows * cols, np.minimum(fx, 1 - fx) * 2.0)
    bevel = np.clip(edge / mortar - 1.0, 0.0, 1.0)
    brick_id = row * cols + col
    shade = rng.random(rows * cols + 1).astype(np.float32)[brick_id]
    grain = fbm(rng, n, 8, octaves)
    height = np.sqrt(bevel) * (0.8 + 0.2 * grain)
    tone = np.where(bevel > 0, 0.35 + 0.45 * shade + 0.3 * (grain - 0.5), 0.95)
    rough = np.where(bevel > 0, 0.0, 0.08) + 0.1 * (grain - 0.5)
    return Fields(height.astype(np.float32), tone.astype(np.float32), rough.astype(np.float32), _flat(n, 0.0))


def _recipe_brick(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    return _bricks(rng, n, octaves, rows=8, cols=4, mortar=0.09)


def _recipe_tiles(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    f = _bricks(rng, n, octaves, rows=4, cols=4, mortar=0.05)
    # Tiles share a glaze; keep a gentle tone difference only.
    f.tone = np.where(f.height > 0.05, 0.55 + 0.25 * (f.tone - 0.55), 0.15).astype(np.float32)
    return f


def _recipe_cobble(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    f1, f2, ids = worley(rng, n, 6)
    gap = f2 - f1
    dome = np.clip(gap / 0.35, 0.0, 1.0)
    grain = fbm(rng, n, 8, octaves)
    shade = rng.random(int(ids.max()) + 1).astype(np.float32)[ids]
    height = np.sqrt(dome) * (0.85 + 0.15 * grain)
    tone = np.where(dome > 0.08, 0.3 + 0.5 * shade + 0.25 * (grain - 0.5), 0.05)
    return Fields(height.astype(np.float32), tone.astype(np.float32), 0.1 * (grain - 0.5), _flat(n, 0.0))


def _recipe_stone(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    base = fbm(rng, n, 4, octaves, gain=0.55)
    f1, f2, _ = worley(rng, n, 5)
    cracks = np.clip((f2 - f1) / 0.06, 0.0, 1.0)
    height = 0.75 * base + 0.25 * cracks
    speck = fbm(rng, n, 64, 2)
    tone = 0.25 + 0.6 * base + 0.2 * (speck - 0.5) - 0.2 * (1 - cracks)
    return Fields(height.astype(np.float32), tone.astype(np.float32), 0.1 * (speck - 0.5), _flat(n, 0.0))


def _recipe_wood(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    _, xx = _grid(n)
    planks = 4
    col = np.floor(xx * planks).astype(np.int64)
    fx = xx * planks - col
    offsets = rng.random(planks).astype(np.float32)
    warp = fbm(rng, n, 2, octaves, stretch=(1, 2))
    # Growth rings: stripes along the plank, wobbling with the warp noise; counts are integers.
    rings = 0.5 + 0.5 * np.sin(2 * math.pi * (xx * 12 + 1.5 * warp + offsets[col] * 3))
    fibre = fbm(rng, n, 8, octaves, stretch=(1, 8))
    groove = np.clip(np.minimum(fx, 1 - fx) * planks * 18.0, 0.0, 1.0)
    height = groove * (0.7 + 0.15 * rings + 0.15 * fibre)
    tone = (0.25 + 0.45 * rings + 0.2 * fibre + 0.15 * offsets[col]) * (0.4 + 0.6 * groove)
    return Fields(height.astype(np.float32), tone.astype(np.float32), 0.15 * (fibre - 0.5), _flat(n, 0.0))


def _recipe_metal(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    brushed = fbm(rng, n, 4, octaves, stretch=(16, 1))
    dents = fbm(rng, n, 3, octaves)
    height = 0.15 * brushed + 0.85 * dents
    tone = 0.45 + 0.35 * (brushed - 0.5) + 0.2 * (dents - 0.5)
    rough = 0.12 * (brushed - 0.5)
    return Fields(height.astype(np.float32), tone.astype(np.float32), rough.astype(np.float32), _flat(n, 1.0))


def _recipe_rust(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    metal = _recipe_metal(rng, n, octaves)
    patches = fbm(rng, n, 3, octaves, gain=0.6)
    rust = np.clip((patches - 0.45) / 0.15, 0.0, 1.0)
    flakes = fbm(rng, n, 32, 2)
    height = metal.height * (1 - rust) + rust * (0.6 + 0.4 * flakes)
    tone = 0.35 + 0.4 * flakes * rust + 0.3 * (1 - rust) * metal.tone
    rough = -0.4 * (1 - rust) + 0.1 * (flakes - 0.5)
    return Fields(
        height.astype(np.float32),
        tone.astype(np.float32),
        rough.astype(np.float32),
        (1 - rust).astype(np.float32),
    )


def _recipe_lava(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    f1, f2, _ = worley(rng, n, 5)
    crack = 1.0 - np.clip((f2 - f1) / 0.12, 0.0, 1.0)
    crust = fbm(rng, n, 6, octaves)
    height = (1 - crack) * (0.6 + 0.4 * crust)
    tone = 0.15 + 0.5 * crust * (1 - crack)
    glow = crack**1.5
    return Fields(
        height.astype(np.float32),
        tone.astype(np.float32),
        (-0.4 * glow).astype(np.float32),
        _flat(n, 0.0),
        glow,
    )


def _recipe_marble(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    yy, xx = _grid(n)
    turb = fbm(rng, n, 3, octaves, gain=0.6)
    veins = np.abs(np.sin(2 * math.pi * (xx * 2 + yy * 2 + 2.5 * turb)))
    vein = 1.0 - np.clip(veins / 0.12, 0.0, 1.0)
    height = 0.9 + 0.1 * turb - 0.1 * vein
    tone = 0.75 + 0.25 * turb - 0.75 * vein
    return Fields(
        height.astype(np.float32), tone.astype(np.float32), (0.2 * vein).astype(np.float32), _flat(n, 0.0)
    )


def _recipe_ice(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    f1, f2, _ = worley(rng, n, 4, jitter=1.0)
    cracks = np.clip((f2 - f1) / 0.03, 0.0, 1.0)
    frost = fbm(rng, n, 4, octaves)
    height = 0.8 * frost + 0.2 * cracks
    tone = 0.3 + 0.5 * frost + 0.3 * (1 - cracks)
    return Fields(
        height.astype(np.float32),
        tone.astype(np.float32),
        (0.3 * (1 - cracks)).astype(np.float32),
        _flat(n, 0.0),
    )


def _recipe_snow(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    drifts = fbm(rng, n, 3, octaves, gain=0.45)
    sparkle = fbm(rng, n, 128, 1)
    tone = 0.45 + 0.55 * drifts + 0.1 * (sparkle - 0.5)
    return Fields(drifts, tone.astype(np.float32), (0.15 * (sparkle - 0.5)).astype(np.float32), _flat(n, 0.0))


def _recipe_grass(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    # Blades: noise stretched along y, at a fine scale, over a patchy lower-frequency base.
    blades = fbm(rng, n, 32, min(octaves, 3), stretch=(1, 4))
    clumps = fbm(rng, n, 4, octaves)
    height = 0.7 * blades + 0.3 * clumps
    tone = 0.15 + 0.6 * blades + 0.35 * (clumps - 0.5)
    return Fields(height.astype(np.float32), tone.astype(np.float32), 0.1 * (blades - 0.5), _flat(n, 0.0))


def _recipe_sand(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    yy, xx = _grid(n)
    warp = fbm(rng, n, 2, octaves)
    ripples = 0.5 + 0.5 * np.sin(2 * math.pi * (yy * 10 + xx * 2 + 1.2 * warp))
    grains = fbm(rng, n, 128, 1)
    height = 0.6 * ripples + 0.3 * warp + 0.1 * grains
    tone = 0.35 + 0.3 * ripples + 0.3 * (grains - 0.5) + 0.2 * warp
    return Fields(height.astype(np.float32), tone.astype(np.float32), _flat(n, 0.0), _flat(n, 0.0))


def _recipe_dirt(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    clods = fbm(rng, n, 6, octaves, gain=0.6)
    f1, _, _ = worley(rng, n, 12)
    pebbles = np.clip(1.0 - f1 / 0.3, 0.0, 1.0) ** 2
    height = 0.7 * clods + 0.3 * pebbles
    tone = 0.2 + 0.6 * clods + 0.3 * pebbles
    return Fields(
        height.astype(np.float32), tone.astype(np.float32), (-0.2 * pebbles).astype(np.float32), _flat(n, 0.0)
    )


def _recipe_leather(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    f1, f2, _ = worley(rng, n, 24)
    creases = np.clip((f2 - f1) / 0.15, 0.0, 1.0)
    mottle = fbm(rng, n, 4, octaves)
    height = 0.6 * creases + 0.4 * mottle
    tone = 0.3 + 0.4 * mottle + 0.3 * creases
    return Fields(
        height.astype(np.float32),
        tone.astype(np.float32),
        (0.15 * (1 - creases)).astype(np.float32),
        _flat(n, 0.0),
    )


def _recipe_fabric(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    yy, xx = _grid(n)
    threads = 64
    warp_t = 0.5 + 0.5 * np.cos(2 * math.pi * xx * threads)
    weft_t = 0.5 + 0.5 * np.cos(2 * math.pi * yy * threads)
    # A plain weave: warp and weft take turns on top in a checkerboard of thread crossings.
    over = ((np.floor(xx * threads) + np.floor(yy * threads)) % 2).astype(np.float32)
    height = over * warp_t + (1 - over) * weft_t
    fuzz = fbm(rng, n, 16, octaves)
    tone = 0.35 + 0.4 * height + 0.25 * (fuzz - 0.5)
    return Fields(height.astype(np.float32), tone.astype(np.float32), _flat(n, 0.0), _flat(n, 0.0))


_RECIPES: dict[str, Callable[[np.random.Generator, int, int], Fields]] = {
    "brick": _recipe_brick,
    "tiles": _recipe_tiles,
    "cobble": _recipe_cobble,
    "stone": _recipe_stone,
    "wood": _recipe_wood,
    "metal": _recipe_metal,
    "rust": _recipe_rust,
    "lava": _recipe_lava,
    "marble": _recipe_marble,
    "ice": _recipe_ice,
    "snow": _recipe_snow,
    "grass": _recipe_grass,
    "sand": _recipe_sand,
    "dirt": _recipe_dirt,
    "leather": _recipe_leather,
    "fabric": _recipe_fabric,
}


def pick_kind(intent: str) -> Kind:
    """The surface named by the intent; patterned surfaces (bricks, cobbles, tiles, planks)
    come first in ``_KINDS`` so "stone bricks" makes bricks rather than plain stone."""
    tokens = words.normalise(intent).split()
    hits = [k for k in _KINDS if any(t in k.words for t in tokens)]
    if not hits:
        return _KIND_BY_NAME["stone"]
    return hits[0]


def _ramp(tone: F32, colours: tuple[RGB, RGB, RGB]) -> F32:
    dark, mid, light = (np.array(c, dtype=np.float32) / 255.0 for c in colours)
    t = np.clip(tone, 0.0, 1.0)[..., None]
    lower = dark + (mid - dark) * (t * 2.0)
    upper = mid + (light - mid) * (t * 2.0 - 1.0)
    out: F32 = np.where(t < 0.5, lower, upper).astype(np.float32)
    return out


def _palette(kind: Kind, intent: words.Intent) -> tuple[RGB, RGB, RGB]:
    if not intent.colours:
        return kind.colours
    main = intent.colours[0]
    light = intent.colours[1] if len(intent.colours) > 1 else words.mix(main, (255, 255, 255), 0.35)
    return (words.mix(main, (12, 10, 16), 0.55), main, light)


# ---------------------------------------------------------------------------------------
# Pictures as a source
# ---------------------------------------------------------------------------------------


def decode_picture(data: bytes, field: str) -> U8:
    """RGBA pixels of the first frame, or a GeneratorInputError naming ``field``."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.format not in ("PNG", "JPEG", "GIF", "WEBP"):
                raise GeneratorInputError(field, "Please use a PNG, JPEG, GIF or WebP picture.")
            if im.width * im.height > MAX_INPUT_PIXELS:
                raise GeneratorInputError(field, f"The picture is too big ({im.width}x{im.height}).")
            im.seek(0)
            frame = ImageOps.exif_transpose(im) if im.format == "JPEG" else im
            return np.array(frame.convert("RGBA"), dtype=np.uint8)
    except GeneratorInputError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        Image.DecompressionBombError,
    ) as exc:
        raise GeneratorInputError(field, "That file is not a picture I can read.") from exc


def make_tileable(rgb: F32) -> F32:
    """Blend a square picture with itself shifted by half a tile, weighted so the edges come
    from the (continuous) middle of the shifted copy: the result wraps without a seam."""
    n = rgb.shape[0]
    s = np.sin(math.pi * (np.arange(n, dtype=np.float32) + 0.5) / n) ** 2
    w = (s[:, None] * s[None, :])[..., None]
    shifted = np.roll(rgb, (n // 2, n // 2), axis=(0, 1))
    out: F32 = (rgb * w + shifted * (1.0 - w)).astype(np.float32)
    return out


def _picture_fields(data: bytes, n: int) -> tuple[F32, Fields]:
    rgba = decode_picture(data, "image")
    im = Image.fromarray(rgba[..., :3])
    side = min(im.size)
    im = ImageOps.fit(im, (side, side), Image.Resampling.BICUBIC).resize((n, n), Image.Resampling.LANCZOS)
    albedo = make_tileable(np.asarray(im, dtype=np.float32) / 255.0)
    lum = albedo @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    # Light areas read as raised; removing the broad shading keeps only the surface detail.
    detail = lum - blur(lum, n / 16)
    height = _normalise(blur(detail, n / 512) if n >= 512 else detail)
    # FFT blurring can dip a hair below zero; a variance cannot.
    var = np.maximum(blur((lum - blur(lum, n / 64)) ** 2, n / 64), 0.0)
    rough = (np.sqrt(var) / (float(np.sqrt(var).max()) or 1.0) - 0.5) * 0.3
    return albedo, Fields(height, lum, rough.astype(np.float32), _flat(n, 0.0))


# ---------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------


def _png(arr: F32, mode: str) -> bytes:
    data = (np.clip(arr, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(data, mode=mode).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def pad4(data: bytes, fill: bytes = b"\x00") -> bytes:
    return data + fill * (-len(data) % 4)


class GlbBuilder:
    """Collects buffer views and accessors into one BIN chunk, then writes a GLB."""

    def __init__(self) -> None:
        self.binary = bytearray()
        self.views: list[dict[str, Any]] = []
        self.accessors: list[dict[str, Any]] = []

    def view(self, blob: bytes, target: int | None = None) -> int:
        entry: dict[str, Any] = {"buffer": 0, "byteOffset": len(self.binary), "byteLength": len(blob)}
        if target is not None:
            entry["target"] = target
        self.views.append(entry)
        self.binary += pad4(blob)
        return len(self.views) - 1

    def accessor(
        self, array: npt.NDArray[Any], kind: str, *, target: int | None = None, bounds: bool = False
    ) -> int:
        """Adds float32 (or uint16/uint32 index) data; ``bounds`` records min/max."""
        if array.dtype == np.uint16:
            comp = 5123
        elif array.dtype == np.uint32:
            comp = 5125
        else:
            array = array.astype("<f4")
            comp = 5126
        flat = array.reshape(len(array), -1)
        entry: dict[str, Any] = {
            "bufferView": self.view(np.ascontiguousarray(array).tobytes(), target),
            "componentType": comp,
            "count": len(array),
            "type": kind,
        }
        if bounds:
            entry["min"] = [float(v) for v in flat.min(axis=0)]
            entry["max"] = [float(v) for v in flat.max(axis=0)]
        self.accessors.append(entry)
        return len(self.accessors) - 1

    def write(self, doc: dict[str, Any]) -> bytes:
        doc = dict(doc)
        doc["accessors"] = self.accessors
        doc["bufferViews"] = self.views
        doc["buffers"] = [{"byteLength": len(self.binary)}]
        body = pad4(json.dumps(doc, separators=(",", ":"), ensure_ascii=True).encode("utf-8"), b" ")
        binary = bytes(self.binary)
        total = 12 + 8 + len(body) + 8 + len(binary)
        return b"".join(
            [
                struct.pack("<4sII", b"glTF", 2, total),
                struct.pack("<I4s", len(body), b"JSON"),
                body,
                struct.pack("<I4s", len(binary), b"BIN\x00"),
                binary,
            ]
        )


_ARRAY_BUFFER = 34962
_ELEMENT_ARRAY_BUFFER = 34963
_REPEAT = 10497
_LINEAR = 9729
_LINEAR_MIPMAP_LINEAR = 9987


def _uv_sphere(segments: int, rings: int) -> tuple[F32, F32, F32, F32, npt.NDArray[np.uint16]]:
    """Positions, normals, tangents (xyzw), UVs and indices of a unit UV sphere, Y up."""
    u = np.linspace(0.0, 1.0, segments + 1, dtype=np.float64)
    v = np.linspace(0.0, 1.0, rings + 1, dtype=np.float64)
    vv, uu = np.meshgrid(v, u, indexing="ij")
    phi = uu * 2 * math.pi
    theta = vv * math.pi
    nrm = np.stack([np.sin(theta) * np.cos(phi), np.cos(theta), -np.sin(theta) * np.sin(phi)], axis=-1)
    # d(position)/du points along increasing phi; it stays defined at the poles.
    tan = np.stack([-np.sin(phi), np.zeros_like(phi), -np.cos(phi)], axis=-1)
    tangents = np.concatenate([tan, np.ones((*tan.shape[:-1], 1))], axis=-1)
    # Two repeats around, one from pole to pole, keeps texels roughly square.
    uvs = np.stack([uu * 2.0, vv], axis=-1)
    tris: list[tuple[int, int, int]] = []
    row = segments + 1
    for r in range(rings):
        for s in range(segments):
            a, b = r * row + s, r * row + s + 1
            c, d = a + row, b + row
            if r != 0:
                tris.append((a, c, b))
            if r != rings - 1:
                tris.append((b, c, d))
    return (
        nrm.reshape(-1, 3).astype(np.float32),
        nrm.reshape(-1, 3).astype(np.float32),
        tangents.reshape(-1, 4).astype(np.float32),
        uvs.reshape(-1, 2).astype(np.float32),
        np.array(tris, dtype=np.uint16).reshape(-1),
    )


def _gltf_material(
    name: str, names: Mapping[str, str], metallic: float, roughness: float, strength: float, emissive: bool
) -> dict[str, Any]:
    """The material plus its textures/images/samplers, with images referring to ``names``."""
    order = ["albedo", "normal", "orm", "ao", "roughness", "height"]
    if emissive:
        order.append("emissive")
    index = {role: i for i, role in enumerate(order)}
    material: dict[str, Any] = {
        "name": name,
        "pbrMetallicRoughness": {
            "baseColorTexture": {"index": index["albedo"]},
            # Factors are 1: the texture carries the values (glTF multiplies them).
            "metallicFactor": 1.0,
            "roughnessFactor": 1.0,
            "metallicRoughnessTexture": {"index": index["orm"]},
        },
        "normalTexture": {"index": index["normal"], "scale": 1.0},
        "occlusionTexture": {"index": index["ao"], "strength": 1.0},
        "extras": {
            "maps": {role: names[role] for role in order},
            "mean_metallic": round(metallic, 4),
            "mean_roughness": round(roughness, 4),
            "normal_strength": strength,
            "height_texture": index["height"],
            "roughness_texture": index["roughness"],
        },
    }
    if emissive:
        material["emissiveTexture"] = {"index": index["emissive"]}
        material["emissiveFactor"] = [1.0, 1.0, 1.0]
    return {
        "materials": [material],
        "textures": [{"sampler": 0, "source": i} for i in range(len(order))],
        "samplers": [
            {"magFilter": _LINEAR, "minFilter": _LINEAR_MIPMAP_LINEAR, "wrapS": _REPEAT, "wrapT": _REPEAT}
        ],
        "images": [{"uri": names[role], "mimeType": "image/png", "name": role} for role in order],
    }


def _preview_glb(name: str, lib: dict[str, Any], pngs: Mapping[str, bytes], tension: str) -> bytes:
    segments, rings = _SPHERE.get(tension, _SPHERE["medium"])
    pos, nrm, tan, uv, idx = _uv_sphere(segments, rings)
    g = GlbBuilder()
    a_idx = g.accessor(idx, "SCALAR", target=_ELEMENT_ARRAY_BUFFER)
    a_pos = g.accessor(pos, "VEC3", target=_ARRAY_BUFFER, bounds=True)
    a_nrm = g.accessor(nrm, "VEC3", target=_ARRAY_BUFFER)
    a_tan = g.accessor(tan, "VEC4", target=_ARRAY_BUFFER)
    a_uv = g.accessor(uv, "VEC2", target=_ARRAY_BUFFER)
    material = json.loads(json.dumps(lib["materials"][0]))
    material.pop("extras", None)
    # The preview only needs textures the material actually samples.
    used = sorted(
        {
            material["pbrMetallicRoughness"]["baseColorTexture"]["index"],
            material["pbrMetallicRoughness"]["metallicRoughnessTexture"]["index"],
            material["normalTexture"]["index"],
            material["occlusionTexture"]["index"],
            *([material["emissiveTexture"]["index"]] if "emissiveTexture" in material else []),
        }
    )
    remap = {old: new for new, old in enumerate(used)}
    for slot in (
        material["pbrMetallicRoughness"]["baseColorTexture"],
        material["pbrMetallicRoughness"]["metallicRoughnessTexture"],
        material["normalTexture"],
        material["occlusionTexture"],
        material.get("emissiveTexture"),
    ):
        if slot is not None:
            slot["index"] = remap[slot["index"]]
    # Only the sampled images go in the BIN chunk; anything else would be an unused view.
    g_images = []
    for i in used:
        role = lib["images"][i]["name"]
        g_images.append({"bufferView": g.view(pngs[role]), "mimeType": "image/png", "name": role})
    doc: dict[str, Any] = {
        "asset": {"version": "2.0", "generator": "POG Studio procedural material"},
        "scene": 0,
        "scenes": [{"name": name, "nodes": [0]}],
        "nodes": [{"name": f"{name}-sphere", "mesh": 0}],
        "meshes": [
            {
                "name": f"{name}-sphere",
                "primitives": [
                    {
                        "attributes": {
                            "POSITION": a_pos,
                            "NORMAL": a_nrm,
                            "TANGENT": a_tan,
                            "TEXCOORD_0": a_uv,
                        },
                        "indices": a_idx,
                        "material": 0,
                        "mode": 4,
                    }
                ],
            }
        ],
        "materials": [material],
        "textures": [{"sampler": 0, "source": i} for i in range(len(used))],
        "samplers": lib["samplers"],
        "images": g_images,
    }
    return g.write(doc)


# ---------------------------------------------------------------------------------------
# pbr
# ---------------------------------------------------------------------------------------


def _number(params: Mapping[str, Any], name: str, lo: float, hi: float) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise GeneratorInputError(name, f"{name} must be a number.") from None
    if not math.isfinite(out):
        raise GeneratorInputError(name, f"{name} must be a number.")
    return min(hi, max(lo, out))


def _resolution(params: Mapping[str, Any]) -> int:
    raw = params.get("resolution", "512")
    try:
        n = int(str(raw))
    except ValueError:
        raise GeneratorInputError("resolution", "Resolution must be 256, 512, 1024 or 2048.") from None
    if n not in (256, 512, 1024, 2048):
        raise GeneratorInputError("resolution", "Resolution must be 256, 512, 1024 or 2048.")
    return n


def _retarget(field: F32, mean: float) -> F32:
    """Shift a map so its average is ``mean`` while keeping its pattern (clamped to 0..1)."""
    out: F32 = np.clip(field - float(field.mean()) + mean, 0.0, 1.0).astype(np.float32)
    return out


def pbr(req: GenRequest) -> GenResult:
    params = req.params
    n = _resolution(params)
    strength = _number(params, "normal_strength", 0.0, 4.0)
    strength = 1.0 if strength is None else strength
    rough_param = _number(params, "roughness", 0.0, 1.0)
    metal_param = _number(params, "metallic", 0.0, 1.0)
    octaves = _OCTAVES.get(req.tension, _OCTAVES["medium"])
    intent = words.parse(req.intent)
    tokens = set(intent.tokens)
    picture = req.inputs.get("image")
    kind = pick_kind(req.intent)
    named_kind = any(t in k.words for k in _KINDS for t in tokens)
    rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, "material.pbr"))

    req.progress(0.1, "Shaping the bumps")
    if picture:
        albedo, fields = _picture_fields(bytes(picture), n)
        source = "picture"
        if not named_kind:
            kind = Kind("picture", (), kind.colours, 0.6, 0.0)
    else:
        fields = _RECIPES[kind.name](rng, n, octaves)
        albedo = _ramp(fields.tone, _palette(kind, intent))
        source = "words"
    height = _normalise(fields.height)

    # Modifier words: moss grows in the low places, age adds grime.
    if tokens & {"moss", "mossy", "overgrown"} and kind.name != "grass":
        moss = np.clip((0.45 - height) / 0.25 + (fbm(rng, n, 4, 3) - 0.5), 0.0, 1.0)[..., None]
        albedo = albedo * (1 - moss) + np.array([0.24, 0.40, 0.12], dtype=np.float32) * moss
        fields.roughness = (fields.roughness + 0.2 * moss[..., 0]).astype(np.float32)
    if tokens & _OLD:
        grime = fbm(rng, n, 8, 3)[..., None]
        albedo = albedo * (0.8 + 0.25 * grime)

    req.progress(0.4, "Working out light and shadow")
    normals = normal_map(height, strength)
    ao = ambient_occlusion(height)
    albedo = albedo * (0.75 + 0.25 * ao[..., None])

    base_rough = kind.roughness
    if tokens & _SHINY:
        base_rough *= 0.5
    if tokens & _ROUGH:
        base_rough = min(1.0, base_rough + 0.15)
    custom_rough = rough_param is not None and abs(rough_param - _ROUGHNESS_DEFAULT) > 1e-9
    custom_metal = metal_param is not None and abs(metal_param - _METALLIC_DEFAULT) > 1e-9
    rough_mean = rough_param if custom_rough and rough_param is not None else base_rough
    roughness = _retarget(base_rough + fields.roughness, rough_mean)
    metal_mean = metal_param if custom_metal and metal_param is not None else float(fields.metallic.mean())
    metallic = _retarget(fields.metallic, metal_mean) if custom_metal else np.clip(fields.metallic, 0, 1)
    if kind.metallic == 0.0 and not custom_metal:
        metallic = _flat(n, 0.0)

    req.progress(0.6, "Painting the maps")
    stem = words.slug(req.intent, kind.name) if req.intent.strip() else kind.name
    names = {
        role: f"{stem}_{role}.png"
        for role in ("albedo", "normal", "orm", "ao", "roughness", "height", "emissive")
    }
    pngs: dict[str, bytes] = {
        "albedo": _png(albedo, "RGB"),
        "normal": _png(normals * 0.5 + 0.5, "RGB"),
        "roughness": _png(roughness, "L"),
        "ao": _png(ao, "L"),
        "height": _png(height, "L"),
        # glTF reads occlusion from R, roughness from G and metalness from B.
        "orm": _png(np.stack([ao, roughness, metallic], axis=-1), "RGB"),
    }
    emissive = fields.glow is not None
    if fields.glow is not None:
        hot = np.array([1.0, 0.42, 0.08], dtype=np.float32) * fields.glow[..., None]
        pngs["emissive"] = _png(hot, "RGB")
    lib = _gltf_material(stem, names, float(metallic.mean()), float(roughness.mean()), strength, emissive)
    doc = {"asset": {"version": "2.0", "generator": "POG Studio procedural material"}, **lib}
    material_json = json.dumps(doc, indent=2, sort_keys=True).encode("utf-8")

    req.progress(0.85, "Wrapping it round a ball")
    glb = _preview_glb(stem, lib, pngs, req.tension)

    meta: dict[str, Any] = {
        "kind": kind.name,
        "source": source,
        "resolution": n,
        "tileable": True,
        "normal_convention": "opengl",
        "normal_strength": strength,
        "roughness": round(float(roughness.mean()), 4),
        "metallic": round(float(metallic.mean()), 4),
        "roughness_from": "param" if custom_rough else "material",
        "metallic_from": "param" if custom_metal else "material",
        "palette": [words.hex_colour(c) for c in _palette(kind, intent)] if source == "words" else [],
        "maps": names if emissive else {k: v for k, v in names.items() if k != "emissive"},
    }
    outputs = [
        Output(
            pngs["albedo"], "image/png", names["albedo"], "main", {"map": "albedo", "colour_space": "srgb"}
        ),
        Output(
            pngs["normal"],
            "image/png",
            names["normal"],
            "normal",
            {"map": "normal", "colour_space": "linear"},
        ),
        Output(pngs["roughness"], "image/png", names["roughness"], "roughness", {"map": "roughness"}),
        Output(pngs["ao"], "image/png", names["ao"], "ao", {"map": "ao"}),
        Output(pngs["height"], "image/png", names["height"], "height", {"map": "height"}),
        Output(pngs["orm"], "image/png", names["orm"], "orm", {"map": "occlusion-roughness-metallic"}),
    ]
    if emissive:
        outputs.append(
            Output(pngs["emissive"], "image/png", names["emissive"], "emissive", {"map": "emissive"})
        )
    outputs += [
        Output(
            material_json,
            "application/json",
            f"{stem}_material.gltf.json",
            "material",
            {"format": "gltf-material"},
        ),
        Output(glb, "model/gltf-binary", f"{stem}_preview.glb", "preview", {"shape": "uv-sphere"}),
    ]
    req.progress(1.0, "Your material is ready!")
    return GenResult(outputs=outputs, meta=meta)


# ---------------------------------------------------------------------------------------
# shader: a snippet library composed by effect
# ---------------------------------------------------------------------------------------

SNIPPETS: dict[str, tuple[tuple[str, ...], str]] = {
    "hash": (
        (),
        """float hash12(vec2 p) {
    vec3 p3 = fract(vec3(p.xyx) * 0.1031);
    p3 += dot(p3, p3.yzx + 33.33);
    return fract((p3.x + p3.y) * p3.z);
}

vec2 hash22(vec2 p) {
    vec3 p3 = fract(vec3(p.xyx) * vec3(0.1031, 0.1030, 0.0973));
    p3 += dot(p3, p3.yzx + 33.33);
    return fract((p3.xx + p3.yz) * p3.zy);
}""",
    ),
    "noise": (
        ("hash",),
        """float noise(vec2 p) {
    vec2 i = floor(p);
    vec2 f = fract(p);
    vec2 u = f * f * (3.0 - 2.0 * f);
    float a = hash12(i);
    float b = hash12(i + vec2(1.0, 0.0));
    float c = hash12(i + vec2(0.0, 1.0));
    float d = hash12(i + vec2(1.0, 1.0));
    return mix(mix(a, b, u.x), mix(c, d, u.x), u.y);
}""",
    ),
    "fbm": (
        ("noise",),
        """float fbm(vec2 p) {
    float sum = 0.0;
    float amp = 0.5;
    mat2 turn = mat2(0.8, 0.6, -0.6, 0.8);
    for (int i = 0; i < FBM_OCTAVES; i++) {
        sum += amp * noise(p);
        p = turn * p * 2.02;
        amp *= 0.5;
    }
    return sum;
}""",
    ),
    "voronoi": (
        ("hash",),
        """vec2 voronoi(vec2 p, float t) {
    vec2 cell = floor(p);
    vec2 f = fract(p);
    float d1 = 8.0;
    float d2 = 8.0;
    for (int y = -1; y <= 1; y++) {
        for (int x = -1; x <= 1; x++) {
            vec2 o = vec2(float(x), float(y));
            vec2 r = hash22(cell + o);
            r = 0.5 + 0.5 * sin(t + 6.2831 * r);
            float d = length(o + r - f);
            if (d < d1) {
                d2 = d1;
                d1 = d;
            } else if (d < d2) {
                d2 = d;
            }
        }
    }
    return vec2(d1, d2);
}""",
    ),
    "stripes": (
        (),
        """float stripes(float x, float count, float width) {
    float s = fract(x * count);
    return smoothstep(0.0, width, s) * smoothstep(1.0, 1.0 - width, s);
}""",
    ),
    "waves": (
        (),
        """float waves(vec2 p, float t) {
    float w = sin(p.x * 6.0 + t) * 0.5;
    w += sin(p.y * 7.3 - t * 1.3) * 0.3;
    w += sin((p.x + p.y) * 11.0 + t * 0.7) * 0.2;
    return w;
}""",
    ),
    "glow": (
        (),
        """float glow(float dist, float radius, float softness) {
    return pow(radius / max(dist, 1e-4), softness);
}""",
    ),
    "palette": (
        (),
        """vec3 palette(float t, vec3 a, vec3 b, vec3 c, vec3 d) {
    return a + b * cos(6.28318 * (c * t + d));
}""",
    ),
    "rotate": (
        (),
        """mat2 rotate2d(float a) {
    float c = cos(a);
    float s = sin(a);
    return mat2(c, s, -s, c);
}""",
    ),
    "sdf": (
        (),
        """float sdCircle(vec2 p, float r) {
    return length(p) - r;
}

float sdStar(vec2 p, float r, float n, float inset) {
    float a = atan(p.y, p.x);
    float k = cos(floor(0.5 + a * n / 6.28318) * 6.28318 / n - a);
    return length(p) * k - r * mix(1.0, inset, 0.5 + 0.5 * cos(a * n));
}""",
    ),
}


def _vec3(c: Sequence[float]) -> str:
    return "vec3({:.3f}, {:.3f}, {:.3f})".format(*c)


def _c(rgb: RGB) -> str:
    return _vec3([x / 255.0 for x in rgb])


@dataclass(frozen=True)
class Effect:
    name: str
    words: tuple[str, ...]
    uses: tuple[str, ...]
    colours: tuple[RGB, RGB, RGB]
    body: str  # GLSL statements; may use uv, p, t, aspect, C0, C1, C2, SCALE; must set col and alpha


_EFFECTS: tuple[Effect, ...] = (
    Effect(
        "water",
        ("water", "sea", "ocean", "lake", "river", "pool", "wave", "waves", "underwater", "caustics", "pond"),
        ("voronoi", "waves", "fbm"),
        ((10, 60, 120), (40, 140, 200), (220, 250, 255)),
        """    vec2 q = p * SCALE;
    q += 0.15 * vec2(waves(q, t), waves(q.yx, t * 0.8));
    vec2 v = voronoi(q * 1.5, t * 0.6);
    float caustic = pow(1.0 - smoothstep(0.0, 0.6, v.y - v.x), 3.0);
    float depth = fbm(q * 0.5 + t * 0.05);
    vec3 col = mix(C0, C1, depth + 0.3 * uv.y);
    col += C2 * caustic * 0.6;
    float alpha = 1.0;""",
    ),
    Effect(
        "lava",
        ("lava", "magma", "molten", "volcano", "volcanic"),
        ("voronoi", "fbm", "glow"),
        ((40, 8, 4), (230, 70, 10), (255, 220, 90)),
        """    vec2 q = p * SCALE;
    float heat = fbm(q * 0.7 + vec2(t * 0.05, -t * 0.08));
    vec2 v = voronoi(q + heat, t * 0.15);
    float crack = 1.0 - smoothstep(0.0, 0.12, v.y - v.x);
    float pulse = 0.75 + 0.25 * sin(t * 1.7 + heat * 6.0);
    vec3 col = mix(C0, C0 * 1.8, heat);
    col = mix(col, mix(C1, C2, heat), crack * pulse);
    col += C1 * glow(v.y - v.x, 0.02, 1.2) * 0.08;
    float alpha = 1.0;""",
    ),
    Effect(
        "fire",
        ("fire", "flame", "flames", "burning", "torch", "campfire", "inferno", "blaze", "fiery"),
        ("fbm",),
        ((60, 0, 0), (255, 90, 10), (255, 240, 150)),
        """    vec2 q = vec2(p.x * SCALE, uv.y * SCALE - t * 1.5);
    float n = fbm(q + fbm(q + vec2(0.0, t * 0.3)));
    float shape = 1.0 - uv.y - abs(p.x) * 0.9;
    float flame = clamp(shape * 1.6 + n - 0.55, 0.0, 1.0);
    vec3 col = mix(C0, C1, smoothstep(0.0, 0.5, flame));
    col = mix(col, C2, smoothstep(0.55, 1.0, flame));
    float alpha = smoothstep(0.0, 0.25, flame);""",
    ),
    Effect(
        "forcefield",
        ("force", "forcefield", "shield", "barrier", "bubble", "energy", "dome", "aura"),
        ("voronoi", "glow", "sdf"),
        ((20, 60, 160), (80, 200, 255), (230, 250, 255)),
        """    float d = sdCircle(p, 0.42);
    float rim = glow(abs(d), 0.015, 1.3);
    vec2 v = voronoi(p * SCALE * 1.4, t);
    float hex = 1.0 - smoothstep(0.0, 0.05, v.y - v.x);
    float inside = 1.0 - smoothstep(-0.01, 0.01, d);
    float ripple = 0.5 + 0.5 * sin(length(p) * 40.0 - t * 4.0);
    vec3 col = C1 * (hex * 0.6 + ripple * 0.15) * inside + C2 * rim;
    col += C0 * 0.3 * inside;
    float alpha = clamp(inside * (0.25 + 0.5 * hex) + rim, 0.0, 1.0);""",
    ),
    Effect(
        "hologram",
        (
            "hologram",
            "holographic",
            "hologram",
            "scifi",
            "sci",
            "futuristic",
            "cyber",
            "digital",
            "glitch",
            "neon",
        ),
        ("stripes", "noise", "sdf"),
        ((0, 40, 60), (40, 230, 255), (200, 255, 255)),
        """    float glitch = step(0.97, noise(vec2(floor(uv.y * 40.0), floor(t * 8.0))));
    vec2 g = p + vec2(glitch * 0.05, 0.0);
    float d = sdStar(g, 0.3, 5.0, 0.55);
    float body = 1.0 - smoothstep(0.0, 0.01, d);
    float edge = 1.0 - smoothstep(0.0, 0.02, abs(d));
    float scan = stripes(uv.y + t * 0.1, 60.0 * SCALE, 0.3);
    float flicker = 0.85 + 0.15 * noise(vec2(t * 12.0, 0.0));
    vec3 col = (C1 * (0.35 + 0.65 * scan) * body + C2 * edge) * flicker + C0;
    float alpha = clamp((body * 0.6 + edge) * flicker, 0.0, 1.0);""",
    ),
    Effect(
        "plasma",
        ("plasma", "psychedelic", "trippy", "disco", "rainbow", "groovy", "swirl", "swirly"),
        ("palette", "rotate"),
        ((128, 128, 128), (128, 128, 128), (255, 255, 255)),
        """    vec2 q = rotate2d(t * 0.1) * p * SCALE;
    float v = sin(q.x + t) + sin(q.y * 1.3 - t * 0.7);
    v += sin(length(q + vec2(sin(t * 0.3), cos(t * 0.4))) * 2.0);
    v += sin((q.x + q.y) * 0.7 + t * 0.5);
    vec3 col = palette(v * 0.25, C0, C1, C2, vec3(PAL_SHIFT, PAL_SHIFT + 0.33, PAL_SHIFT + 0.67));
    float alpha = 1.0;""",
    ),
    Effect(
        "dissolve",
        ("dissolve", "disintegrate", "vanish", "fade", "crumble", "teleport", "burn", "melt"),
        ("fbm", "glow"),
        ((70, 60, 90), (255, 140, 30), (255, 240, 180)),
        """    float n = fbm(p * SCALE * 2.0);
    float cut = 0.5 + 0.5 * sin(t * 0.6);
    float edge = smoothstep(cut, cut + 0.06, n);
    float rim = glow(abs(n - cut), 0.01, 1.0) * (1.0 - edge);
    vec3 surface = mix(C0, C0 * 1.6, uv.y);
    vec3 col = surface * edge + mix(C1, C2, clamp(rim, 0.0, 1.0)) * clamp(rim, 0.0, 1.0);
    float alpha = clamp(edge + rim, 0.0, 1.0);""",
    ),
    Effect(
        "outline",
        ("outline", "border", "edge", "silhouette", "selected", "highlight", "cartoon"),
        ("sdf", "rotate", "glow"),
        ((30, 30, 60), (255, 210, 60), (255, 255, 255)),
        """    vec2 q = rotate2d(t * 0.4) * p;
    float d = sdStar(q, 0.28, 5.0, 0.6);
    float fill = 1.0 - smoothstep(0.0, 0.005, d);
    float line = 1.0 - smoothstep(0.015, 0.02, abs(d - 0.02));
    float halo = glow(max(d, 0.0) + 0.02, 0.02, 1.5) * (1.0 - fill);
    vec3 col = C0 * fill + C1 * line + C2 * halo * 0.3;
    float alpha = clamp(fill + line + halo * 0.5, 0.0, 1.0);""",
    ),
    Effect(
        "toon",
        ("toon", "cel", "anime", "comic", "cartoony", "flat", "cute"),
        ("sdf",),
        ((40, 40, 70), (240, 110, 90), (255, 240, 220)),
        """    float r = 0.38;
    float d = sdCircle(p, r);
    vec3 n = vec3(p / r, sqrt(max(0.0, 1.0 - dot(p, p) / (r * r))));
    vec3 light = normalize(vec3(cos(t * 0.5), 0.6, 0.8));
    float diffuse = max(dot(n, light), 0.0);
    float band = floor(diffuse * BANDS) / BANDS;
    float spec = step(0.96, dot(reflect(-light, n), vec3(0.0, 0.0, 1.0)));
    float line = 1.0 - smoothstep(0.0, 0.012, abs(d));
    vec3 col = mix(C1 * 0.35, C1, band) + C2 * spec;
    col = mix(col, C0, line);
    float alpha = 1.0 - smoothstep(0.0, 0.004, d - 0.012);""",
    ),
    Effect(
        "stars",
        ("star", "stars", "starry", "space", "galaxy", "night", "sky", "cosmos", "nebula", "twinkle"),
        ("hash", "fbm", "glow"),
        ((4, 6, 24), (90, 40, 140), (255, 250, 230)),
        """    vec3 col = mix(C0, C1, fbm(p * SCALE * 0.6 + t * 0.01) * 0.8);
    for (int layer = 0; layer < 3; layer++) {
        float depth = 1.0 + float(layer);
        vec2 q = p * SCALE * 4.0 * depth + vec2(t * 0.02 * depth, 0.0);
        vec2 cell = floor(q);
        vec2 star = cell + 0.2 + 0.6 * hash22(cell + depth);
        float twinkle = 0.6 + 0.4 * sin(t * (1.0 + hash12(cell) * 3.0) + hash12(cell + 7.0) * 6.28);
        float bright = step(0.75, hash12(cell + 3.1 * depth));
        col += C2 * glow(length(q - star), 0.03, 1.6) * bright * twinkle / depth;
    }
    float alpha = 1.0;""",
    ),
)
_EFFECT_BY_NAME = {e.name: e for e in _EFFECTS}
_DIALECTS = {"glsl-es-300": "#version 300 es", "glsl-330": "#version 330 core"}


def _needed(uses: Sequence[str]) -> list[str]:
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        for dep in SNIPPETS[name][0]:
            visit(dep)
        order.append(name)

    for name in uses:
        visit(name)
    return order


def pick_effect(intent: str, choice: str) -> Effect:
    if choice != "auto":
        if choice not in _EFFECT_BY_NAME:
            raise GeneratorInputError("effect", f"Unknown effect '{choice}'.")
        return _EFFECT_BY_NAME[choice]
    tokens = words.normalise(intent).split()
    for token in tokens:
        for effect in _EFFECTS:
            if token in effect.words:
                return effect
    return _EFFECT_BY_NAME["plasma"]


def compose_shader(
    effect: Effect, *, dialect: str, animated: bool, seed: int, colours: Sequence[RGB], octaves: int
) -> str:
    rng = np.random.default_rng(seed)
    c0, c1, c2 = effect.colours
    if colours:
        c1 = colours[0]
        c0 = words.mix(c1, (0, 0, 0), 0.8) if effect.name != "plasma" else c0
        if len(colours) > 1:
            c2 = colours[1]
    scale = 3.0 + float(rng.random()) * 3.0
    speed = 0.6 + float(rng.random()) * 0.8
    still = float(rng.random()) * 10.0
    parts = [
        _DIALECTS[dialect],
        "",
        f"// POG Studio procedural shader: {effect.name}. Uniforms: u_time (seconds), u_resolution (pixels).",
    ]
    if dialect == "glsl-es-300":
        parts += ["precision highp float;"]
    parts += [
        "",
        "uniform float u_time;",
        "uniform vec2 u_resolution;",
        "",
        "out vec4 fragColor;",
        "",
        f"#define FBM_OCTAVES {octaves}",
        f"#define SCALE {scale:.3f}",
        f"#define SPEED {speed:.3f}",
        f"#define PAL_SHIFT {float(rng.random()):.3f}",
        f"#define BANDS {3 + int(rng.integers(0, 3))}.0",
        f"#define C0 {_c(c0)}",
        f"#define C1 {_c(c1)}",
        f"#define C2 {_c(c2)}",
        "",
    ]
    for name in _needed(effect.uses):
        parts += [SNIPPETS[name][1], ""]
    time_expr = "u_time * SPEED" if animated else f"{still:.3f} + 0.0 * u_time"
    parts += [
        "void main() {",
        "    vec2 uv = gl_FragCoord.xy / u_resolution;",
        "    float aspect = u_resolution.x / u_resolution.y;",
        "    vec2 p = (uv - 0.5) * vec2(aspect, 1.0);",
        f"    float t = {time_expr};",
        effect.body,
        "    fragColor = vec4(clamp(col, 0.0, 1.0), alpha);",
        "}",
        "",
    ]
    return "\n".join(parts)


def shader(req: GenRequest) -> GenResult:
    params = req.params
    choice = str(params.get("effect", "auto"))
    dialect = str(params.get("dialect", "glsl-es-300"))
    if dialect not in _DIALECTS:
        raise GeneratorInputError("dialect", "GLSL version must be glsl-es-300 or glsl-330.")
    animated = bool(params.get("animated", True))
    effect = pick_effect(req.intent, choice)
    intent = words.parse(req.intent)
    octaves = {"low": 3, "medium": 5, "high": 6}.get(req.tension, 5)
    seed = words.derive_seed(req.seed, req.intent, f"material.shader.{effect.name}")
    req.progress(0.3, "Mixing the shader recipe")
    source = compose_shader(
        effect, dialect=dialect, animated=animated, seed=seed, colours=intent.colours, octaves=octaves
    )
    stem = words.slug(req.intent, effect.name) if req.intent.strip() else effect.name
    meta: dict[str, Any] = {
        "effect": effect.name,
        "dialect": dialect,
        "version": _DIALECTS[dialect].removeprefix("#version "),
        "animated": animated,
        "uniforms": {"u_time": "float", "u_resolution": "vec2"},
        "output": "fragColor",
        "snippets": _needed(effect.uses),
        "lines": source.count("\n"),
    }
    req.progress(1.0, "Your shader is ready!")
    return GenResult(
        outputs=[Output(source.encode("utf-8"), "text/x-glsl", f"{stem}.frag", "main", meta)],
        meta=meta,
    )
