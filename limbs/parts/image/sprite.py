"""Image · Pixel sprite: A small pixel-art character or item with a see-through background.

Mirrored random masks over hand-drawn 16x16 templates, shaded in a few pixel-art steps.
"""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image

from limbs.craft import words as words
from limbs.craft.draw.fields import F32, components
from limbs.craft.words import RGB, Intent, mix, scale
from limbs.params import boolean, choice, integer, kw
from limbs.spec import ActionSpec, GenRequest, GenResult, Output

# Left halves (the last column touches the mirror line), 16 rows x 8 columns.
# Body chance: "." never, "-" rarely, "?" maybe, "+" likely, "#" always.
# Always-body cells with a colour role: "a" accent, "b" trim (dark), "g" glass, "f" flame,
# "d" darker main, "w" highlight.
_TEMPLATES: dict[str, tuple[tuple[str, ...], ...]] = {
    "creature": (
        (
            "........",
            "...-....",
            "...?-...",
            "...+?...",
            "..-+??+?",
            "..?+####",
            ".-?#####",
            ".?+#####",
            "-?+##aaa",
            "?+###aaa",
            "-?+##aaa",
            ".-?+####",
            "..?+#?+#",
            "..?#-..-",
            "..+#?...",
            "........",
        ),
        (
            "........",
            "....-...",
            ".....?..",
            "....-?+.",
            "...?++##",
            "..?+####",
            ".?+#####",
            "?+######",
            "-?+#####",
            "..?+##aa",
            ".?+?#aaa",
            "-?..-+aa",
            "?-...?+.",
            "........",
            "........",
            "........",
        ),
        (
            "........",
            "........",
            "......-?",
            ".....?+#",
            "....?+##",
            "...?+###",
            "..?+####",
            "..+#####",
            ".?+#####",
            ".+##aaaa",
            "?+##aaaa",
            "?+#aaaaa",
            "-?+#aaaa",
            "?+######",
            "........",
            "........",
        ),
    ),
    "spaceship": (
        (
            "........",
            ".......#",
            "......+#",
            "......#g",
            "......#g",
            ".....?#g",
            ".....+##",
            "....-+##",
            "...-?+##",
            "..-?+#a#",
            ".-?++###",
            "-?+?+###",
            "?+.-?###",
            "+..-+#bb",
            "......ff",
            ".......f",
        ),
        (
            "........",
            "........",
            "......?#",
            ".....?gg",
            ".....+gg",
            "....-+##",
            "-...?+##",
            "?-.-+###",
            "+?-?+#a#",
            "++?+####",
            "?+++####",
            "-?+#####",
            ".-?+?###",
            "...-.bbb",
            "......ff",
            "........",
        ),
        (
            "........",
            "........",
            "........",
            "........",
            "......?+",
            ".....+gg",
            "....+ggg",
            "..-?####",
            "-?+#####",
            "?+##a#a#",
            "-?+#####",
            "..-?+###",
            "....-?bb",
            "......ff",
            "........",
            "........",
        ),
    ),
    "robot": (
        (
            "........",
            ".......a",
            "....####",
            "...?####",
            "...?####",
            "....####",
            ".....+bb",
            ".?######",
            "?+####aa",
            "?+.###aa",
            "?+.#####",
            "-?.#####",
            "...##.bb",
            "...##...",
            "..bbb...",
            "........",
        ),
        (
            "........",
            "......?a",
            "......-b",
            "...#####",
            "..?#####",
            "..?#####",
            "...#####",
            "......bb",
            "..?#####",
            ".?+###aa",
            ".?+#####",
            "..?#####",
            "....bbbb",
            "...bbbbb",
            "...b.b.b",
            "........",
        ),
    ),
}
_ITEMS: dict[str, tuple[str, ...]] = {
    "sword": (
        "........",
        ".......w",
        "......w#",
        "......w#",
        "......w#",
        "......w#",
        "......w#",
        "......w#",
        "......w#",
        "....?aaa",
        "...aaaaa",
        "......bb",
        "......bb",
        "......bb",
        ".....aaa",
        "........",
    ),
    "potion": (
        "........",
        "......bb",
        "......bb",
        ".....ggg",
        "......gg",
        ".....?gg",
        "...?gggg",
        "..gggggg",
        ".gw#####",
        ".gw#####",
        ".g######",
        ".g######",
        "..g#####",
        "...ggggg",
        "........",
        "........",
    ),
    "gem": (
        "........",
        "........",
        "........",
        "....wwww",
        "...w####",
        "..w#####",
        ".#######",
        ".ddddddd",
        "..dddddd",
        "...ddddd",
        "....dddd",
        ".....ddd",
        "......dd",
        ".......d",
        "........",
        "........",
    ),
    "heart": (
        "........",
        "........",
        "..###...",
        ".#w###..",
        "#ww####.",
        "#w######",
        "########",
        ".#######",
        "..######",
        "...#####",
        "....####",
        ".....###",
        "......##",
        ".......#",
        "........",
        "........",
    ),
    "shield": (
        "........",
        ".aaaaaaa",
        ".a######",
        ".a#w####",
        ".a#w##aa",
        ".a####aa",
        ".a#aaaaa",
        ".a#aaaaa",
        ".a####aa",
        "..a###aa",
        "..a#####",
        "...a####",
        "....a###",
        ".....aaa",
        "........",
        "........",
    ),
    "coin": (
        "........",
        "........",
        "....aaaa",
        "..aa####",
        ".a##w###",
        ".a#w####",
        "a#w##aaa",
        "a#w##a##",
        "a#w##aaa",
        "a####a##",
        ".a###aaa",
        ".a######",
        "..aa####",
        "....aaaa",
        "........",
        "........",
    ),
}
_CHANCE = {".": 0.0, "-": 0.28, "?": 0.55, "+": 0.82}
_SPRITE_KIND_WORDS: dict[str, str] = {
    **dict.fromkeys(("robot", "bot", "android", "mech", "cyborg", "droid", "machine"), "robot"),
    **dict.fromkeys(
        ("spaceship", "ship", "rocket", "ufo", "starship", "fighter", "jet", "plane"), "spaceship"
    ),
    **dict.fromkeys(
        ("item", "sword", "blade", "potion", "gem", "jewel", "crystal", "diamond", "heart"), "item"
    ),
    **dict.fromkeys(("shield", "coin", "gold", "treasure", "loot", "pickup", "powerup", "bottle"), "item"),
}
_ITEM_WORDS: dict[str, str] = {
    "sword": "sword",
    "blade": "sword",
    "dagger": "sword",
    "potion": "potion",
    "bottle": "potion",
    "elixir": "potion",
    "gem": "gem",
    "jewel": "gem",
    "crystal": "gem",
    "diamond": "gem",
    "ruby": "gem",
    "heart": "heart",
    "life": "heart",
    "health": "heart",
    "shield": "shield",
    "coin": "coin",
    "gold": "coin",
    "treasure": "coin",
}
_SPRITE_MAIN: dict[str, tuple[RGB, ...]] = {
    "creature": ((96, 196, 88), (236, 120, 60), (150, 96, 214), (70, 150, 230), (240, 96, 150)),
    "spaceship": ((200, 206, 222), (226, 70, 60), (70, 130, 230), (240, 180, 50)),
    "robot": ((170, 182, 204), (226, 176, 60), (110, 170, 220), (200, 90, 80)),
    "sword": ((206, 216, 232),),
    "potion": ((230, 50, 80), (70, 120, 240), (90, 210, 90), (180, 80, 230)),
    "gem": ((60, 200, 240), (230, 50, 90), (90, 220, 120), (170, 90, 240)),
    "heart": ((232, 48, 72),),
    "shield": ((70, 110, 210), (200, 60, 60)),
    "coin": ((246, 196, 56),),
}
_SPRITE_ACCENT: dict[str, RGB] = {
    "creature": (250, 226, 170),
    "spaceship": (240, 80, 60),
    "robot": (80, 220, 250),
    "sword": (234, 184, 60),
    "potion": (220, 240, 250),
    "gem": (255, 255, 255),
    "heart": (255, 255, 255),
    "shield": (236, 196, 70),
    "coin": (206, 150, 40),
}


def _sprite_kind(kind: str, intent: Intent, rng: np.random.Generator) -> tuple[str, str]:
    """(kind, template name): the template is the item shape for items, else the kind."""
    if kind == "auto":
        kind = next((_SPRITE_KIND_WORDS[t] for t in intent.tokens if t in _SPRITE_KIND_WORDS), "creature")
    if kind == "item":
        item = next((_ITEM_WORDS[t] for t in intent.tokens if t in _ITEM_WORDS), None)
        if item is None:
            item = sorted(_ITEMS)[int(rng.integers(0, len(_ITEMS)))]
        return kind, item
    return kind, kind


def _template_grids(rows: tuple[str, ...]) -> tuple[F32, npt.NDArray[np.str_]]:
    chars = np.array([list(r) for r in rows])
    prob = np.vectorize(lambda c: _CHANCE.get(c, 1.0))(chars).astype(np.float32)
    return prob, chars


def _to_size(field: F32, size: int, smooth: bool) -> F32:
    """Scale a 16x16 field to the sprite size: bilinear rounds organic shapes, nearest keeps boxes."""
    if field.shape == (size, size):
        return field
    if size < field.shape[0]:
        method = Image.Resampling.BOX
    else:
        method = Image.Resampling.BILINEAR if smooth else Image.Resampling.NEAREST
    return np.asarray(Image.fromarray(field).resize((size, size), method), dtype=np.float32)


def _mirror(left: npt.NDArray[np.generic], size: int) -> npt.NDArray[np.generic]:
    right = left[:, ::-1] if size % 2 == 0 else left[:, ::-1][:, 1:]
    return np.concatenate([left, right], axis=1)


def _neighbours(mask: npt.NDArray[np.bool_], diagonal: bool) -> npt.NDArray[np.bool_]:
    p = np.pad(mask, 1)
    out = p[:-2, 1:-1] | p[2:, 1:-1] | p[1:-1, :-2] | p[1:-1, 2:]
    if diagonal:
        out |= p[:-2, :-2] | p[:-2, 2:] | p[2:, :-2] | p[2:, 2:]
    return out


def _ramp(colour: RGB, level: float) -> RGB:
    """A pixel-art shade: shadows drift toward violet, highlights toward warm yellow."""
    if level < 1.0:
        return mix(scale(colour, level), (40, 30, 90), (1.0 - level) * 0.35)
    return mix(colour, (255, 246, 200), min(1.0, (level - 1.0) * 1.6))


def make(req: GenRequest) -> GenResult:
    size = int(req.params.get("size", 32))
    kind_param = str(req.params.get("kind", "auto"))
    outline = bool(req.params.get("outline", True))
    intent = words.parse(req.intent)
    rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, "image.sprite"))
    req.progress(0.1, "Picking the colours")
    kind, shape = _sprite_kind(kind_param, intent, rng)
    choices = _TEMPLATES.get(shape)
    rows = choices[int(rng.integers(0, len(choices)))] if choices else _ITEMS[shape]
    half = (size + 1) // 2

    main = intent.colours[0] if intent.colours else (intent.hint or _pick(_SPRITE_MAIN[shape], rng))
    accent = intent.colours[1] if len(intent.colours) > 1 else _SPRITE_ACCENT[shape]
    if shape == "creature" and not intent.colours[1:]:
        accent = mix(main, (255, 240, 200), 0.55)
    roles_rgb: dict[str, RGB] = {
        "#": main,
        "+": main,
        "?": main,
        "-": main,
        "a": accent,
        "b": (96, 70, 60) if shape in ("sword", "potion") else mix(scale(main, 0.5), (40, 40, 70), 0.4),
        "g": (190, 232, 250),
        "f": (255, 170, 40),
        "d": scale(main, 0.72),
        "w": mix(main, (255, 255, 255), 0.7),
    }

    req.progress(0.4, "Shaping the sprite")
    # Decide body cells at template resolution (the classic 16x16 look), mirror, then scale.
    prob, chars = _template_grids(rows)
    left = (rng.random(prob.shape, dtype=np.float32) < prob) | (prob >= 1.0)
    full = _mirror(left, 16).astype(np.float32)
    smooth = shape in ("creature", "spaceship")
    body = _to_size(full, size, smooth) >= 0.5
    if size != 16:
        ys = np.minimum((np.arange(size) + 0.5) * 16 / size, 15).astype(np.int64)
        role = _mirror(chars, 16)[ys][:, ys]
    else:
        role = _mirror(chars, 16)
    body[0, :] = body[-1, :] = body[:, 0] = body[:, -1] = False
    if shape in _TEMPLATES and body.any():
        labels = components(body)
        counts = np.bincount(labels[labels >= 0])
        keep = np.nonzero(counts >= max(2, counts.max() // 12))[0]
        body = np.isin(labels, keep) & body
    # Pinholes (one empty pixel walled in on four sides) read as noise, so fill them.
    p = np.pad(body, 1)
    body |= p[:-2, 1:-1] & p[2:, 1:-1] & p[1:-1, :-2] & p[1:-1, 2:]
    # Keep the frame transparent: the diagonal outline used above 16 px needs a 2 px margin.
    margin = 2 if outline and size > 16 else 1
    body[:margin, :] = body[-margin:, :] = body[:, :margin] = body[:, -margin:] = False

    # Depth = steps to the nearest edge; shading darkens toward the rim, lightens toward the top.
    depth = np.zeros((size, size), dtype=np.float32)
    inner = body.copy()
    for _ in range(max(2, size // 6)):
        depth += inner
        inner = inner & ~_neighbours(~inner, False)
        if not inner.any():
            break
    depth /= max(1.0, float(depth.max()))
    rows_f = np.arange(size, dtype=np.float32)[:, None] / size
    level = 0.62 + 0.42 * np.sqrt(depth) + 0.16 * (0.5 - rows_f)
    if shape in ("creature", "spaceship"):
        # Per template row, so the bands stay chunky at every size.
        bands = (rng.random((16, 1), dtype=np.float32) - 0.5) * 0.08
        level = level + bands[np.minimum(np.arange(size) * 16 // size, 15)]
    steps = np.array([0.62, 0.8, 0.95, 1.1], dtype=np.float32)
    level_q = steps[np.clip(np.searchsorted((steps[1:] + steps[:-1]) / 2, level), 0, 3)]

    rgba = np.zeros((size, size, 4), dtype=np.uint8)
    cache: dict[tuple[str, float], RGB] = {}
    for y, x in zip(*np.nonzero(body), strict=True):
        key = (str(role[y, x]), float(level_q[y, x]))
        if key not in cache:
            r = key[0]
            base = roles_rgb.get(r, main)
            if r == "f":
                cache[key] = mix((255, 90, 30), (255, 240, 150), float(depth[y, x]))
            elif r in ("w", "g"):
                cache[key] = _ramp(base, max(0.95, key[1]))
            else:
                cache[key] = _ramp(base, key[1])
        rgba[y, x, :3] = cache[key]
        rgba[y, x, 3] = 255

    if shape in ("creature", "robot"):
        _sprite_eyes(rgba, body, size, shape, accent)
    if outline:
        ring = _neighbours(body, size > 16) & ~body
        tone = mix(scale(main, 0.28), (20, 14, 36), 0.5)
        rgba[ring] = (*tone, 255)
    # The mask is symmetric by construction; copying guarantees the colours are too.
    rgba[:, size - half :] = rgba[:, :half][:, ::-1]

    req.progress(0.9, "Polishing the pixels")
    buf = io.BytesIO()
    Image.fromarray(rgba).save(buf, format="PNG", compress_level=6)
    opaque = rgba[rgba[..., 3] > 0][:, :3]
    uniq, counts = (
        np.unique(opaque.reshape(-1, 3), axis=0, return_counts=True)
        if len(opaque)
        else (np.zeros((0, 3), np.uint8), np.zeros(0, np.int64))
    )
    order = sorted(range(len(uniq)), key=lambda i: (-int(counts[i]), tuple(int(v) for v in uniq[i])))
    palette = [words.hex_colour((int(uniq[i][0]), int(uniq[i][1]), int(uniq[i][2]))) for i in order[:16]]
    meta = {"width": size, "height": size, "pixel_art": True, "kind": kind, "palette": palette}
    req.progress(1.0, "All done!")
    name = words.slug(req.intent, f"{kind}-sprite") + ".png"
    return GenResult(
        outputs=[Output(data=buf.getvalue(), mime="image/png", name=name, role="main", meta=meta)], meta=meta
    )


def _pick(options: tuple[RGB, ...], rng: np.random.Generator) -> RGB:
    return options[int(rng.integers(0, len(options)))]


def _sprite_eyes(
    rgba: npt.NDArray[np.uint8], body: npt.NDArray[np.bool_], size: int, shape: str, accent: RGB
) -> None:
    """Two eyes placed on the left half (the mirror copies them), inside the body."""
    rows = np.nonzero(body.any(axis=1))[0]
    if len(rows) < 4:
        return
    top, bottom = int(rows[0]), int(rows[-1])
    half = (size + 1) // 2
    ey = top + max(1, round((bottom - top) * (0.28 if shape == "creature" else 0.2)))
    span = np.nonzero(body[ey, :half])[0]
    if len(span) == 0:
        return
    left_edge = int(span[0])
    centre = half - 1
    ex = left_edge + max(1, round((centre - left_edge) * 0.5))
    e = 1 if size <= 20 else (2 if size <= 40 else 3)
    ex = min(ex, centre - (0 if size % 2 else e - 1) - (1 if e > 1 else 0))
    ey = min(ey, size - e - 2)
    white = (250, 250, 250) if shape == "creature" else mix(accent, (255, 255, 255), 0.35)
    pupil = (24, 20, 40) if shape == "creature" else scale(accent, 0.55)
    for dy in range(e):
        for dx in range(e):
            y, x = ey + dy, max(1, ex - dx)
            rgba[y, x] = (*white, 255)
            body[y, x] = True
    if e == 1:
        rgba[ey, max(1, ex)] = (*pupil, 255) if shape == "creature" else (*white, 255)
    else:
        for dy in range(e - 1):
            rgba[ey + 1 + dy, ex - (e - 2)] = (*pupil, 255)


ACTION = ActionSpec(
    id="sprite",
    name="Pixel sprite",
    description="A small pixel-art character or item with a see-through background.",
    output="image",
    ai_tiers=(),
    examples=("a tiny green robot", "a spaceship with red wings"),
    params=(
        integer("size", "Size", 32, 8, 64, "How many pixels across the sprite is (it is shown bigger)."),
        choice(
            "kind",
            "Kind",
            ("auto", "creature", "robot", "spaceship", "item"),
            "auto",
            "What sort of sprite to make. Auto guesses from your words.",
        ),
        boolean("outline", "Outline", True, "Draw a dark line around the sprite so it stands out."),
    ),
    keywords=kw("sprite, pixel, pixel art, 8 bit, retro, icon"),
    make=make,
)
