"""Surface recipes for the PBR action: the periodic height, tone, roughness and metal fields of
each kind of surface (bricks, planks, lava, ...) and which kind the words name."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from limbs.craft import words as words
from limbs.craft.noise import fbm, worley
from limbs.craft.words import RGB

F32 = npt.NDArray[np.float32]


def _grid(n: int) -> tuple[F32, F32]:
    """Pixel-centre coordinates in 0..1 along y and x."""
    c = (np.arange(n, dtype=np.float32) + 0.5) / n
    yy, xx = np.meshgrid(c, c, indexing="ij")
    return yy.astype(np.float32), xx.astype(np.float32)


@dataclass(frozen=True)
class Kind:
    name: str
    words: tuple[str, ...]
    colours: tuple[RGB, RGB, RGB]  # dark, mid, light
    roughness: float
    metallic: float


KINDS: tuple[Kind, ...] = (
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
_KIND_BY_NAME = {k.name: k for k in KINDS}


@dataclass
class Fields:
    height: F32
    tone: F32  # 0..1 position in the dark -> light colour ramp
    roughness: F32
    metallic: F32
    glow: F32 | None = None  # lava: emissive crack colour weight


def flat(n: int, value: float) -> F32:
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
    return Fields(height.astype(np.float32), tone.astype(np.float32), rough.astype(np.float32), flat(n, 0.0))


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
    return Fields(height.astype(np.float32), tone.astype(np.float32), 0.1 * (grain - 0.5), flat(n, 0.0))


def _recipe_stone(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    base = fbm(rng, n, 4, octaves, gain=0.55)
    f1, f2, _ = worley(rng, n, 5)
    cracks = np.clip((f2 - f1) / 0.06, 0.0, 1.0)
    height = 0.75 * base + 0.25 * cracks
    speck = fbm(rng, n, 64, 2)
    tone = 0.25 + 0.6 * base + 0.2 * (speck - 0.5) - 0.2 * (1 - cracks)
    return Fields(height.astype(np.float32), tone.astype(np.float32), 0.1 * (speck - 0.5), flat(n, 0.0))


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
    return Fields(height.astype(np.float32), tone.astype(np.float32), 0.15 * (fibre - 0.5), flat(n, 0.0))


def _recipe_metal(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    brushed = fbm(rng, n, 4, octaves, stretch=(16, 1))
    dents = fbm(rng, n, 3, octaves)
    height = 0.15 * brushed + 0.85 * dents
    tone = 0.45 + 0.35 * (brushed - 0.5) + 0.2 * (dents - 0.5)
    rough = 0.12 * (brushed - 0.5)
    return Fields(height.astype(np.float32), tone.astype(np.float32), rough.astype(np.float32), flat(n, 1.0))


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
        flat(n, 0.0),
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
        height.astype(np.float32), tone.astype(np.float32), (0.2 * vein).astype(np.float32), flat(n, 0.0)
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
        flat(n, 0.0),
    )


def _recipe_snow(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    drifts = fbm(rng, n, 3, octaves, gain=0.45)
    sparkle = fbm(rng, n, 128, 1)
    tone = 0.45 + 0.55 * drifts + 0.1 * (sparkle - 0.5)
    return Fields(drifts, tone.astype(np.float32), (0.15 * (sparkle - 0.5)).astype(np.float32), flat(n, 0.0))


def _recipe_grass(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    # Blades: noise stretched along y, at a fine scale, over a patchy lower-frequency base.
    blades = fbm(rng, n, 32, min(octaves, 3), stretch=(1, 4))
    clumps = fbm(rng, n, 4, octaves)
    height = 0.7 * blades + 0.3 * clumps
    tone = 0.15 + 0.6 * blades + 0.35 * (clumps - 0.5)
    return Fields(height.astype(np.float32), tone.astype(np.float32), 0.1 * (blades - 0.5), flat(n, 0.0))


def _recipe_sand(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    yy, xx = _grid(n)
    warp = fbm(rng, n, 2, octaves)
    ripples = 0.5 + 0.5 * np.sin(2 * math.pi * (yy * 10 + xx * 2 + 1.2 * warp))
    grains = fbm(rng, n, 128, 1)
    height = 0.6 * ripples + 0.3 * warp + 0.1 * grains
    tone = 0.35 + 0.3 * ripples + 0.3 * (grains - 0.5) + 0.2 * warp
    return Fields(height.astype(np.float32), tone.astype(np.float32), flat(n, 0.0), flat(n, 0.0))


def _recipe_dirt(rng: np.random.Generator, n: int, octaves: int) -> Fields:
    clods = fbm(rng, n, 6, octaves, gain=0.6)
    f1, _, _ = worley(rng, n, 12)
    pebbles = np.clip(1.0 - f1 / 0.3, 0.0, 1.0) ** 2
    height = 0.7 * clods + 0.3 * pebbles
    tone = 0.2 + 0.6 * clods + 0.3 * pebbles
    return Fields(
        height.astype(np.float32), tone.astype(np.float32), (-0.2 * pebbles).astype(np.float32), flat(n, 0.0)
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
        flat(n, 0.0),
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
    return Fields(height.astype(np.float32), tone.astype(np.float32), flat(n, 0.0), flat(n, 0.0))


RECIPES: dict[str, Callable[[np.random.Generator, int, int], Fields]] = {
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
    come first in ``KINDS`` so "stone bricks" makes bricks rather than plain stone."""
    tokens = words.normalise(intent).split()
    hits = [k for k in KINDS if any(t in k.words for t in tokens)]
    if not hits:
        return _KIND_BY_NAME["stone"]
    return hits[0]
