"""Procedural image generators: a storybook scene from words, and mirrored pixel sprites.

Pure functions of their ``GenRequest``: no Django, no clock, no global random state.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

from limbs.craft import words as words
from limbs.craft.draw import DRAWERS, F32, Look, Painter, Pen, components, noise_1d, smooth_noise
from limbs.craft.words import RGB, Intent, Subject, hsv, mix, scale, shift_hue
from limbs.spec import GenRequest, GenResult, Output

# ---------------------------------------------------------------------------------------
# Colour planning
# ---------------------------------------------------------------------------------------

# kind -> (main, accent or None to derive from main, extra)
_DEFAULTS: dict[str, tuple[RGB, RGB | None, RGB]] = {
    "dragon": ((72, 172, 92), None, (255, 220, 120)),
    "castle": ((204, 198, 214), (74, 110, 214), (236, 72, 72)),
    "tree": ((72, 168, 70), (226, 52, 52), (255, 200, 220)),
    "forest": ((64, 150, 72), (226, 52, 52), (255, 200, 220)),
    "house": ((246, 226, 182), (204, 66, 54), (240, 90, 140)),
    "cat": ((242, 150, 58), (170, 90, 40), (255, 255, 255)),
    "dog": ((194, 134, 74), (222, 52, 52), (255, 255, 255)),
    "fish": ((250, 140, 40), None, (252, 252, 252)),
    "whale": ((72, 112, 194), None, (255, 255, 255)),
    "rocket": ((236, 236, 244), (222, 52, 52), (255, 210, 60)),
    "boat": ((160, 100, 58), (222, 60, 60), (255, 255, 255)),
    "robot": ((166, 180, 200), (70, 214, 246), (255, 90, 90)),
    "flower": ((246, 118, 178), (252, 206, 52), (255, 255, 255)),
    "mountain": ((122, 118, 156), (232, 64, 64), (255, 255, 255)),
    "unicorn": ((248, 246, 252), (246, 206, 80), (240, 110, 170)),
    "bird": ((66, 152, 234), None, (250, 120, 60)),
    "sword": ((206, 216, 232), (238, 188, 64), (222, 40, 64)),
    "monster": ((150, 94, 214), (248, 232, 200), (255, 255, 255)),
    "ghost": ((240, 244, 255), (200, 210, 240), (255, 255, 255)),
    "creature": ((120, 200, 120), None, (255, 255, 255)),
}

# word -> (variant, main colour when the child named no colour)
_VARIANTS: dict[str, tuple[str, RGB | None]] = {
    "tiger": ("tiger", (246, 140, 40)),
    "lion": ("lion", (232, 178, 84)),
    "leopard": ("spots", (236, 192, 92)),
    "cheetah": ("spots", (236, 192, 92)),
    "panther": ("", (56, 54, 70)),
    "fox": ("fox", (238, 122, 40)),
    "wolf": ("wolf", (142, 148, 164)),
    "shark": ("shark", (128, 150, 180)),
    "dolphin": ("dolphin", (122, 166, 212)),
    "orca": ("", (46, 48, 62)),
    "pine": ("pine", (48, 130, 76)),
    "fir": ("pine", (48, 130, 76)),
    "palm": ("palm", (70, 176, 70)),
    "dinosaur": ("dino", (96, 172, 82)),
    "dino": ("dino", (96, 172, 82)),
    "trex": ("dino", (96, 172, 82)),
    "rex": ("dino", (96, 172, 82)),
    "ufo": ("ufo", (172, 182, 204)),
    "owl": ("owl", (152, 112, 74)),
    "penguin": ("penguin", None),
    "duck": ("duck", (250, 214, 60)),
    "chicken": ("chicken", (246, 244, 240)),
    "phoenix": ("phoenix", (240, 96, 32)),
    "eagle": ("eagle", (122, 86, 54)),
    "parrot": ("parrot", (230, 52, 42)),
    "robin": ("robin", (150, 112, 82)),
    "crow": ("", (54, 54, 68)),
    "volcano": ("volcano", (98, 82, 88)),
    "horse": ("horse", (152, 98, 58)),
    "pony": ("horse", (196, 150, 110)),
    "foal": ("horse", (196, 150, 110)),
    "pegasus": ("pegasus", None),
    "yeti": ("yeti", (236, 240, 250)),
    "alien": ("alien", (112, 212, 92)),
    "troll": ("", (122, 152, 92)),
    "goblin": ("", (112, 172, 72)),
    "ogre": ("", (142, 162, 82)),
    "sunflower": ("sunflower", (252, 204, 40)),
    "blossom": ("", (250, 170, 200)),
}

_SKIES: dict[str, tuple[RGB, RGB, RGB]] = {
    "day": ((62, 132, 226), (122, 182, 242), (200, 230, 250)),
    "sunset": ((62, 56, 140), (232, 112, 112), (255, 200, 124)),
    "dawn": ((104, 140, 214), (232, 172, 196), (255, 218, 174)),
    "night": ((8, 12, 40), (24, 34, 86), (58, 66, 124)),
}
_THEME_SKIES: dict[str, dict[str, tuple[RGB, RGB, RGB]]] = {
    "spooky": {"night": ((20, 8, 36), (72, 30, 84), (150, 86, 96))},
    "lava": {
        "day": ((60, 16, 16), (150, 46, 24), (246, 130, 44)),
        "night": ((24, 6, 8), (90, 20, 16), (200, 70, 30)),
    },
    "magic": {
        "day": ((116, 90, 204), (212, 150, 222), (255, 212, 232)),
        "night": ((30, 16, 70), (90, 50, 140), (170, 110, 180)),
    },
    "candy": {"day": ((150, 200, 250), (248, 190, 230), (255, 230, 242))},
    "snow": {"day": ((120, 168, 226), (186, 214, 240), (236, 244, 252))},
    "desert": {"day": ((86, 160, 230), (168, 206, 240), (250, 226, 182))},
}
_HILLS: dict[str, tuple[RGB, RGB, RGB, RGB]] = {
    "plain": ((120, 162, 204), (98, 172, 110), (80, 156, 74), (112, 192, 82)),
    "happy": ((132, 180, 232), (112, 202, 110), (92, 186, 80), (142, 216, 92)),
    "spooky": ((74, 62, 104), (62, 52, 82), (48, 42, 64), (58, 64, 54)),
    "snow": ((190, 206, 232), (214, 228, 246), (230, 238, 250), (246, 248, 255)),
    "desert": ((220, 170, 122), (232, 186, 122), (226, 172, 102), (242, 204, 134)),
    "lava": ((92, 42, 42), (72, 36, 36), (56, 30, 30), (82, 46, 36)),
    "forest": ((72, 122, 112), (52, 122, 72), (42, 102, 56), (72, 142, 62)),
    "magic": ((172, 152, 222), (150, 202, 172), (130, 190, 150), (170, 222, 150)),
    "candy": ((240, 182, 212), (250, 202, 222), (200, 232, 202), (255, 222, 236)),
}
_STORY_INK: RGB = (92, 60, 52)
_SEA: tuple[RGB, RGB] = ((96, 176, 214), (22, 78, 150))
_SAND: RGB = (234, 210, 150)


@dataclass(frozen=True)
class Plan:
    style: str
    time: str
    setting: str
    theme: str
    sky: tuple[RGB, RGB, RGB]
    hills: tuple[RGB, RGB, RGB, RGB]
    hero: Subject | None
    hero_look: Look | None
    second: Subject | None
    second_look: Look | None
    flags: frozenset[str]
    scale: float

    def palette(self) -> list[str]:
        cols: list[RGB] = [*self.sky, *self.hills]
        if self.hero_look is not None:
            cols += [self.hero_look.main, self.hero_look.accent]
        out: list[str] = []
        for c in cols:
            h = words.hex_colour(c)
            if h not in out:
                out.append(h)
        return out


def _hue_distance(a: RGB, b: RGB) -> float:
    import colorsys

    ha, sa, _ = colorsys.rgb_to_hsv(*(x / 255 for x in a))
    hb, sb, _ = colorsys.rgb_to_hsv(*(x / 255 for x in b))
    if sa < 0.25 or sb < 0.25:
        return 180.0
    d = abs(ha - hb) * 360
    return min(d, 360 - d)


def _look(subject: Subject, intent: Intent, night: bool, water: RGB) -> Look:
    main, accent, extra = _DEFAULTS.get(subject.kind, _DEFAULTS["creature"])
    variant, variant_main = _VARIANTS.get(subject.word, ("", None))
    if subject.kind == "creature":
        variant = subject.word
        main = hsv((words.word_hash(subject.word) % 360) / 360.0, 0.52, 0.9)
    elif variant_main is not None:
        main = variant_main
    if variant == "sunflower":
        accent = (120, 78, 40)
    if subject.kind in ("castle",) and subject.colours:
        pass
    cols = subject.colours
    given_main = bool(cols) or intent.hint is not None
    if cols:
        main = cols[0]
    elif intent.hint is not None:
        main = intent.hint
    if subject.kind == "house" and given_main:
        main = mix(main, (255, 250, 240), 0.25)
    if len(cols) > 1:
        accent = cols[1]
    elif accent is None or (given_main and _hue_distance(main, accent) < 30):
        accent = (
            shift_hue(main, -18, sat=0.95, val=0.74)
            if subject.kind in ("dragon", "fish", "bird", "whale", "creature")
            else mix(main, (255, 255, 255), 0.78)
        )
    if len(cols) > 2:
        extra = cols[2]
    if subject.kind == "unicorn" and intent.has("rainbow"):
        variant = "rainbow"
    wings = "wings" in intent.flags or variant == "pegasus"
    fire = "fire" in intent.flags or variant == "phoenix"
    return Look(main, accent, extra, variant, night, fire, wings, water)


def _night(c: RGB) -> RGB:
    return mix(scale(c, 0.42), (20, 26, 70), 0.35)


def _dusk(c: RGB) -> RGB:
    return mix(c, (150, 80, 120), 0.3)


def _plan(intent: Intent, style_param: str) -> Plan:
    style = style_param
    if style == "auto":
        style = intent.style or "classic"
    time = "night" if style == "night" else intent.time
    setting = intent.setting
    hero = intent.hero
    if hero is not None and hero.kind == "boat" and setting == "land":
        setting = "sea"
    if hero is not None and hero.kind in ("fish", "whale") and setting in ("land", "sea"):
        setting = "underwater"
    theme = intent.theme
    if hero is not None and hero.kind == "mountain" and hero.word == "volcano" and theme == "plain":
        theme = "lava"
    if hero is not None and hero.kind == "forest" and theme == "plain":
        theme = "forest"
    sky_time = time if time in _SKIES else "day"
    themed = _THEME_SKIES.get(theme, {})
    if sky_time == "night":
        sky = themed.get("night", _SKIES["night"])
    elif sky_time == "day":
        sky = themed.get("day", _SKIES["day"])
    else:
        sky = _SKIES[sky_time]
    far, mid, near, front = _HILLS.get(theme, _HILLS["plain"])
    hills = (far, mid, near, front)
    if time == "night":
        hills = (_night(far), _night(mid), _night(near), _night(front))
    elif time == "sunset":
        hills = (_dusk(far), _dusk(mid), _dusk(near), _dusk(front))
    night = time == "night"
    water = _SEA[0] if not night else scale(_SEA[0], 0.45)
    hero_look = _look(hero, intent, night, water) if hero is not None else None
    second = intent.subjects[1] if len(intent.subjects) > 1 else None
    if second is not None and second.kind in ("fish", "whale", "boat") and setting == "land":
        second = None
    second_look = _look(second, intent, night, water) if second is not None else None
    return Plan(
        style=style,
        time=time,
        setting=setting,
        theme=theme,
        sky=sky,
        hills=hills,
        hero=hero,
        hero_look=hero_look,
        second=second,
        second_look=second_look,
        flags=intent.flags,
        scale=intent.scale,
    )


# ---------------------------------------------------------------------------------------
# Background painting (numpy, output resolution, analytic antialiasing)
# ---------------------------------------------------------------------------------------


def _rgb(c: RGB) -> F32:
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
    """In-place: img = img * (1 - cover) + colour * cover, only over the rows ``cover`` touches."""
    rows = np.flatnonzero(cover.any(axis=1))
    if not len(rows):
        return
    r0, r1 = int(rows[0]), int(rows[-1]) + 1
    if colour.ndim == 3:
        colour = colour[r0:r1]
    img = img[r0:r1]
    # img + cover * (colour - img): one fewer full-size pass than scaling both terms.
    diff = colour - img
    diff *= cover[r0:r1, :, None]
    img += diff


def _radial(h: int, w: int, cx: float, cy: float) -> F32:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dist: F32 = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2)
    return dist


def _stamp(
    img: F32, cx: float, cy: float, reach: float, colour: RGB, cover: Callable[[F32, F32, F32], F32]
) -> None:
    """Blend ``colour`` where ``cover(dist, dx, dy)`` says, only inside the square it can reach."""
    h, w = img.shape[:2]
    x0, x1 = max(0, int(cx - reach)), min(w, int(cx + reach) + 2)
    y0, y1 = max(0, int(cy - reach)), min(h, int(cy + reach) + 2)
    if x1 <= x0 or y1 <= y0:
        return
    # A row of x offsets and a column of y offsets broadcast to the box: no full-size grids.
    dx = np.arange(x0, x1, dtype=np.float32)[None, :] - np.float32(cx)
    dy = np.arange(y0, y1, dtype=np.float32)[:, None] - np.float32(cy)
    dist = np.sqrt(dx * dx + dy * dy)
    amount = np.broadcast_to(cover(dist, dx, dy), dist.shape)
    _blend(img[y0:y1, x0:x1], np.clip(amount, 0.0, 1.0).astype(np.float32), _rgb(colour))


def _disc(dist: F32, r: float) -> F32:
    cover: F32 = np.clip(r - dist + 0.5, 0.0, 1.0)
    return cover


def _layer_mask(
    w: int, h: int, ss: int, profile: F32, extra: list[tuple[str, list[tuple[float, float]]]]
) -> F32:
    """Coverage of the ground below ``profile`` (plus silhouettes), antialiased by supersampling."""
    sw, sh = w * ss, h * ss
    img = Image.new("L", (sw, sh), 0)
    d = ImageDraw.Draw(img)
    step = max(1, w // 160)
    xs = [*list(range(0, w, step)), w - 1]
    pts = [(x * ss, float(profile[x]) * ss) for x in xs]
    d.polygon([(0, sh), *pts, (sw, sh)], fill=255)
    for kind, shape in extra:
        scaled = [(x * ss, y * ss) for x, y in shape]
        if kind == "poly":
            d.polygon(scaled, fill=255)
        else:
            (x0, y0), (x1, y1) = scaled
            d.ellipse((x0, y0, x1, y1), fill=255)
    if ss > 1:
        # An exact ss x ss box average, like a BOX resize by a whole factor but several times faster.
        img = img.reduce(ss)
    return np.asarray(img, dtype=np.float32) / 255.0


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


class _Canvas:
    """The background being painted, with what the subject painter needs to know about it."""

    def __init__(self, w: int, h: int) -> None:
        self.w = w
        self.h = h
        self.img: F32 = np.zeros((h, w, 3), dtype=np.float32)
        self.ground: F32 = np.full(w, h * 0.82, dtype=np.float32)
        self.sun: tuple[float, float] = (w * 0.22, h * 0.18)


def _sky(cv: _Canvas, plan: Plan, rng: np.random.Generator, horizon: float, quality: int) -> None:
    w, h = cv.w, cv.h
    top, mid, low = plan.sky
    rows = _gradient(h, [(0.0, top), (horizon * 0.55, mid), (horizon, low), (1.0, low)])
    cv.img[:] = rows[:, None, :]
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


def _stars(cv: _Canvas, rng: np.random.Generator, horizon: float, count: int) -> None:
    h, w = cv.h, cv.w
    field = np.zeros((h, w), dtype=np.float32)
    ys = (rng.random(count) ** 1.4 * h * horizon).astype(np.int64)
    xs = rng.integers(0, w, count)
    field[np.clip(ys, 0, h - 1), xs] = rng.uniform(0.4, 1.0, count).astype(np.float32)
    img = Image.fromarray(field * 255.0).convert("L").filter(ImageFilter.GaussianBlur(0.6))
    glow = np.clip(np.asarray(img, dtype=np.float32) / 255.0 * 3.0, 0.0, 1.0)
    _blend(cv.img, glow, _rgb((255, 252, 230)))
    # A few big twinkly stars with a cross glint.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for _ in range(max(2, count // 60)):
        cx, cy = float(rng.uniform(0, w)), float(rng.uniform(0, h * horizon * 0.8))
        size = min(w, h) * float(rng.uniform(0.012, 0.022))
        x0, x1 = int(max(0, cx - size)), int(min(w, cx + size + 1))
        y0, y1 = int(max(0, cy - size)), int(min(h, cy + size + 1))
        dx = np.abs(xx[y0:y1, x0:x1] - cx)
        dy = np.abs(yy[y0:y1, x0:x1] - cy)
        star = np.clip(1.0 - (np.sqrt(dx * dy) * 4 + (dx + dy) * 0.35) / size, 0.0, 1.0)
        region = cv.img[y0:y1, x0:x1]
        _blend(region, star, _rgb((255, 250, 210)))


def _space_sky(cv: _Canvas, rng: np.random.Generator, quality: int) -> None:
    h, w = cv.h, cv.w
    rows = _gradient(h, [(0.0, (6, 6, 22)), (0.6, (30, 18, 66)), (1.0, (48, 30, 92))])
    cv.img[:] = rows[:, None, :]
    m = min(w, h)
    n1 = smooth_noise(rng, h, w, m / 4, quality)
    n2 = smooth_noise(rng, h, w, m / 5, quality)
    _blend(cv.img, np.clip((n1 - 0.45) * 1.6, 0, 0.5), _rgb((170, 70, 190)))
    _blend(cv.img, np.clip((n2 - 0.5) * 1.4, 0, 0.4), _rgb((40, 170, 200)))
    _stars(cv, rng, 1.0, count=int(w * h / 350))
    px, py, pr = w * 0.8, h * 0.22, m * 0.14
    dist = _radial(h, w, px, py)
    body = _disc(dist, pr)
    yy = np.mgrid[0:h, 0:w][0].astype(np.float32)
    bands = 0.5 + 0.5 * np.sin((yy - py) / pr * 7.0 + n1 * 4.0)
    planet = _rgb((240, 160, 90))[None, None, :] * (0.75 + 0.25 * bands[..., None])
    lit = np.clip(1.15 - _radial(h, w, px - pr * 0.5, py - pr * 0.5) / (pr * 1.9), 0.25, 1.0)
    planet = planet * lit[..., None]
    _blend(cv.img, body, planet.astype(np.float32))
    ring_d = np.sqrt(((np.mgrid[0:h, 0:w][1] - px) / 1.0) ** 2 + ((yy - py) / 0.28) ** 2).astype(np.float32)
    ring = np.clip(1.0 - np.abs(ring_d - pr * 1.6) / (pr * 0.18), 0.0, 1.0)
    front = (yy > py) | (body < 0.5)
    _blend(cv.img, (ring * front * 0.85).astype(np.float32), _rgb((250, 220, 170)))


def _rainbow(cv: _Canvas, horizon: float) -> None:
    h, w = cv.h, cv.w
    m = min(w, h)
    dist = _radial(h, w, w * 0.62, h * horizon * 1.05)
    r0 = m * 0.52
    band = m * 0.028
    for i, colour in enumerate(words.RAINBOW):
        r = r0 - i * band
        cover = np.clip(band / 2 + 0.5 - np.abs(dist - r), 0.0, 1.0) * 0.55
        _blend(cv.img, cover.astype(np.float32), _rgb(colour))


def _cloud(cv: _Canvas, rng: np.random.Generator, cx: float, cy: float, size: float, tint: RGB) -> None:
    h, w = cv.h, cv.w
    puffs = [
        (cx + size * dx, cy + size * dy, size * r)
        for dx, dy, r in ((-1.1, 0.25, 0.55), (-0.4, -0.15, 0.8), (0.5, 0.0, 0.7), (1.2, 0.3, 0.5))
    ]
    x0 = int(max(0, cx - size * 2)), int(min(w, cx + size * 2))
    y0 = int(max(0, cy - size)), int(min(h, cy + size))
    if x0[1] <= x0[0] or y0[1] <= y0[0]:
        return
    yy, xx = np.mgrid[y0[0] : y0[1], x0[0] : x0[1]].astype(np.float32)
    cover = np.zeros_like(xx)
    for px, py, r in puffs:
        cover = np.maximum(cover, np.clip(r - np.sqrt((xx - px) ** 2 + (yy - py) ** 2) + 0.5, 0.0, 1.0))
    flat = np.clip((cy + size * 0.45 - yy) + 0.5, 0.0, 1.0)
    cover *= flat
    shade = np.clip((yy - (cy - size * 0.6)) / (size * 1.2), 0.0, 1.0)
    colour = _rgb(tint)[None, None, :] * (1.0 - 0.18 * shade[..., None])
    _blend(cv.img[y0[0] : y0[1], x0[0] : x0[1]], cover * 0.95, colour.astype(np.float32))


def _paint_layer(
    cv: _Canvas,
    cover: F32,
    colour: RGB,
    haze: tuple[RGB, float],
    tex: F32,
    profile: F32,
    lit_slopes: float,
    floor: int | None = None,
) -> None:
    """Fill a ground layer: lighter at its crest, hazier with distance, sunlit slopes brighter.

    Rows from ``floor`` down are left alone: a nearer layer will cover them completely.
    """
    h = cv.h
    top = max(0, int(np.floor(cover.any(axis=1).argmax())) - 1)
    bottom = h if floor is None else min(h, floor)
    if bottom <= top:
        return
    base = _rgb(mix(colour, haze[0], haze[1]))
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
        light = np.clip(-slope * 0.6, -1.0, 1.0) * lit_slopes
        depth = np.clip(
            (np.arange(top, bottom, dtype=np.float32)[:, None] - smooth[None, :]) / (h * 0.15), 0.0, 1.0
        )
        bright *= (1.0 + light[None, :] * (1.0 - depth)).astype(np.float32)
    colours = tint[:, None, :] * bright[..., None]
    np.clip(colours, 0.0, 1.0, out=colours)
    _blend(cv.img[top:bottom], cover[top:bottom], colours)


def _solid_from(cover: F32) -> int:
    """The first row from which ``cover`` is complete all the way down (its height if none is)."""
    holes = np.flatnonzero(cover.min(axis=1) < 1.0)
    return int(holes[-1]) + 1 if len(holes) else 0


def _land(
    cv: _Canvas, plan: Plan, rng: np.random.Generator, horizon: float, ss: int, quality: int, tex: F32
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
    layers: list[tuple[F32, F32, float]] = []
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
        cap = far_cover[:rows] * np.clip(edge[None, :] - yy + 0.5, 0.0, 1.0)
        _blend(cv.img[:rows], cap, _rgb(mix((250, 252, 255), plan.sky[2], 0.2)))
    for i, (cover, prof, haze) in enumerate(layers):
        floor = min(solid[i + 1 :], default=h)
        _paint_layer(cv, cover, hills[1 + i], (fog, haze), tex, prof, 0.25, floor)


def _front_ground(
    cv: _Canvas, plan: Plan, rng: np.random.Generator, ss: int, quality: int, tex: F32, colour: RGB
) -> None:
    w, h = cv.w, cv.h
    prof = h * 0.8 - min(w, h) * 0.05 * noise_1d(rng, w, 1.2, quality) * 2.0
    cv.ground = prof.astype(np.float32)
    cover = _layer_mask(w, h, ss, prof, [])
    _paint_layer(cv, cover, colour, (colour, 0.0), tex, prof, 0.2)


def _sea(
    cv: _Canvas, plan: Plan, rng: np.random.Generator, horizon: float, ss: int, quality: int, tex: F32
) -> None:
    w, h = cv.w, cv.h
    night = plan.time == "night"
    near, deep = _SEA
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
    sea = np.broadcast_to(rows[:, None, :], (h - hy, w, 3)).copy()
    wav_grid = rng.random((max(2, (h - hy) // 6), max(2, w // 40)), dtype=np.float32)
    wav = np.asarray(
        Image.fromarray(wav_grid).resize((w, h - hy), Image.Resampling.BICUBIC), dtype=np.float32
    )
    depth = np.linspace(0.3, 1.0, h - hy, dtype=np.float32)[:, None]
    sea += (np.clip((wav - 0.62) * 3.0, 0.0, 1.0) * 0.22 * depth)[..., None]
    sx = cv.sun[0]
    glitter = np.exp(-(((xs - sx) / (w * 0.06)) ** 2))[None, :] * np.clip((wav - 0.45) * 2.5, 0.0, 1.0)
    sea += (glitter * 0.35)[..., None] * _rgb((255, 240, 200) if not night else (230, 230, 200))
    cv.img[hy:] = np.clip(sea, 0.0, 1.0)
    cv.ground = np.full(w, h * 0.9, dtype=np.float32)


def _underwater(cv: _Canvas, plan: Plan, rng: np.random.Generator, ss: int, quality: int, tex: F32) -> None:
    w, h = cv.w, cv.h
    night = plan.time == "night"
    top, bottom = (84, 204, 222), (12, 52, 112)
    if night:
        top, bottom = scale(top, 0.45), scale(bottom, 0.5)
    rows = _gradient(h, [(0.0, top), (1.0, bottom)])
    cv.img[:] = rows[:, None, :]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rays = np.zeros((h, w), dtype=np.float32)
    for _ in range(5):
        x0 = float(rng.uniform(-0.2, 1.0)) * w
        width = w * float(rng.uniform(0.03, 0.07))
        rays += np.exp(-(((xx - x0 - yy * 0.35) / width) ** 2))
    rays *= np.clip(1.0 - yy / (h * 0.85), 0.0, 1.0) * 0.22
    _blend(cv.img, np.clip(rays, 0.0, 0.5), _rgb((220, 250, 255)))
    prof = h * 0.7 - min(w, h) * 0.1 * noise_1d(rng, w, 3.0, quality) * 2.0
    cover = _layer_mask(w, h, ss, prof, [])
    rocks = (40, 96, 120) if not night else (20, 40, 60)
    _paint_layer(cv, cover, rocks, (mix(top, bottom, 0.5), 0.45), tex, prof, 0.2)
    sand = h * 0.88 - min(w, h) * 0.03 * noise_1d(rng, w, 2.0, quality) * 2.0
    cover = _layer_mask(w, h, ss, sand, [])
    floor = _SAND if not night else scale(_SAND, 0.5)
    _paint_layer(cv, cover, floor, (mix(top, bottom, 0.5), 0.1), tex, sand, 0.2)
    cv.ground = sand.astype(np.float32)


# ---------------------------------------------------------------------------------------
# The scene
# ---------------------------------------------------------------------------------------


_TENSION = {"low": (1, 3, 6), "medium": (2, 4, 10), "high": (3, 6, 16)}


def _render(
    plan: Plan, w: int, h: int, tension: str, rng: np.random.Generator, req: GenRequest, pixel: bool
) -> F32:
    ss, quality, deco = _TENSION.get(tension, _TENSION["medium"])
    if pixel:
        ss = 1
    ss = max(1, min(ss, 2048 // max(w, h)))
    cv = _Canvas(w, h)
    m = min(w, h)
    tex = smooth_noise(rng, h, w, m / 10, quality)
    horizon = 0.6 if plan.setting != "sea" else 0.56
    req.progress(0.2, "Painting the sky")
    if plan.setting == "underwater":
        _underwater(cv, plan, rng, ss, quality, tex)
    else:
        _sky(cv, plan, rng, horizon, quality)
        req.progress(0.4, "Filling the sea" if plan.setting == "sea" else "Growing the hills")
        if plan.setting == "sea":
            _sea(cv, plan, rng, horizon, ss, quality, tex)
            if plan.hero is None or plan.hero.kind != "boat":
                _front_ground(
                    cv, plan, rng, ss, quality, tex, _SAND if plan.time != "night" else scale(_SAND, 0.45)
                )
        elif plan.setting == "space":
            moon = (150, 146, 160) if plan.time != "night" else (110, 108, 124)
            _front_ground(cv, plan, rng, ss, quality, tex, moon)
        else:
            _land(cv, plan, rng, horizon, ss, quality, tex)
            _front_ground(cv, plan, rng, ss, quality, tex, plan.hills[3])

    # Subjects are painted at the supersampled size for smooth edges.
    size = m * 0.62 * plan.scale
    outline = max(0.7, size * ss * 0.0075)
    ink = _STORY_INK if plan.style == "storybook" else None
    painter = Painter(w * ss, h * ss, outline, ink)
    hero_x = w * (0.5 + float(rng.uniform(-0.07, 0.07)))
    gx = int(min(w - 1, max(0, hero_x)))
    floating = (
        plan.hero is not None
        and plan.hero.kind in ("fish", "whale", "bird", "ghost")
        and plan.hero.word not in ("penguin", "duck", "chicken")
    )
    base = float(cv.ground[gx]) + h * 0.06
    if plan.hero is not None and plan.hero.kind == "boat":
        base = h * 0.86
    if floating:
        base = h * (0.62 if plan.setting == "underwater" else 0.6)
    base = min(base, h * 0.97)
    # Keep tall subjects inside the frame.
    size = min(size, (base - h * 0.04) / 1.1)
    if plan.hero is not None and plan.hero.kind not in ("fish", "whale", "bird", "ghost", "rocket"):
        shadow_r = size * 0.42
        cy = base - h * 0.01
        # The shadow is an ellipse: only its bounding box can darken.
        sx0, sx1 = max(0, int(hero_x - shadow_r)), min(w, int(hero_x + shadow_r) + 2)
        sy0, sy1 = max(0, int(cy - shadow_r * 0.18)), min(h, int(cy + shadow_r * 0.18) + 2)
        if sx1 > sx0 and sy1 > sy0:
            dist = np.sqrt(
                ((np.arange(sx0, sx1, dtype=np.float32)[None, :] - hero_x) / shadow_r) ** 2
                + ((np.arange(sy0, sy1, dtype=np.float32)[:, None] - cy) / (shadow_r * 0.18)) ** 2
            )
            cv.img[sy0:sy1, sx0:sx1] *= (1.0 - 0.35 * np.clip(1.0 - dist, 0.0, 1.0) ** 1.5)[..., None]

    if plan.second is not None and plan.second_look is not None:
        sx = w * (0.18 if hero_x > w * 0.5 else 0.82)
        sbase = float(cv.ground[int(sx)]) + h * 0.02 if plan.setting != "underwater" else h * 0.3
        spen = Pen(painter, sx * ss, (sbase - h * 0.1) * ss, size * 0.42 * ss, flip=bool(rng.random() < 0.5))
        DRAWERS[plan.second.kind](spen, plan.second_look, rng)

    if plan.hero is None or plan.hero.kind != "boat":
        _decorate_ground(painter, cv, plan, rng, ss, deco, hero_x, size)
    if plan.hero is not None and plan.hero_look is not None:
        req.progress(0.6, f"Drawing the {plan.hero.word}")
        pen = Pen(painter, hero_x * ss, base * ss, size * ss, flip=bool(rng.random() < 0.5))
        look = plan.hero_look
        if plan.hero.kind == "boat":
            # Waves in front of the hull take the sea's own colour at the waterline.
            row = cv.img[int(min(h - 1, base + h * 0.04))]
            look = replace(look, water=words.clamp_rgb(*(row.mean(axis=0) * 255.0)))
        DRAWERS[plan.hero.kind](pen, look, rng)
    req.progress(0.85, "Adding sparkle")
    _effects(painter, cv, plan, rng, ss, deco, hero_x, base, size)

    layer = painter.downsampled(w, h)
    img = cv.img
    img *= 1.0 - layer[..., 3:]
    img += layer[..., :3]
    np.clip(img, 0.0, 1.0, out=img)
    return img


def _decorate_ground(
    painter: Painter,
    cv: _Canvas,
    plan: Plan,
    rng: np.random.Generator,
    ss: int,
    count: int,
    hero_x: float,
    size: float,
) -> None:
    w, h = cv.w, cv.h
    m = min(w, h)
    if plan.setting == "underwater":
        for i in range(max(3, count // 2)):
            x = w * (i + float(rng.uniform(0.1, 0.9))) / max(3, count // 2)
            y = float(cv.ground[int(min(w - 1, x))]) + h * 0.04
            pen = Pen(painter, x * ss, y * ss, m * float(rng.uniform(0.18, 0.3)) * ss)
            if rng.random() < 0.6:
                pts = [(0.03 * math.sin(k * 1.3 + i), k / 8) for k in range(9)]
                pen.tube(
                    pts, [0.06, 0.05, 0.0], (60, 170, 90) if rng.random() < 0.5 else (40, 140, 110), gloss=0.1
                )
            else:
                coral = hsv(float(rng.choice([0.95, 0.02, 0.07, 0.85])), 0.6, 0.95)
                branches = [
                    [(0.0, 0.0), (0.0, 0.2), (-0.12, 0.38)],
                    [(0.0, 0.15), (0.12, 0.3), (0.1, 0.45)],
                    [(0.0, 0.2), (0.02, 0.5)],
                ]
                pen.part([pen.limb(b, [0.07, 0.05, 0.04]) for b in branches], coral, gloss=0.1)
                for b in branches:
                    pen.circle(b[-1][0], b[-1][1], 0.035, coral, outline=False)
        return
    if plan.setting == "space":
        for _ in range(max(3, count // 2)):
            x = float(rng.uniform(0, w))
            y = float(cv.ground[int(x)]) + float(rng.uniform(0.04, 0.15)) * h
            pen = Pen(painter, x * ss, y * ss, m * float(rng.uniform(0.06, 0.12)) * ss)
            pen.ellipse(0.0, 0.0, 0.5, 0.16, (110, 106, 124), shade=-0.6, outline=False, gloss=0.0)
        return
    grass = scale(plan.hills[3], 0.7)
    for i in range(count):
        x = w * (i + float(rng.uniform(0.0, 1.0))) / count
        y = float(cv.ground[int(min(w - 1, x))]) + float(rng.uniform(0.03, 0.17)) * h
        s = m * float(rng.uniform(0.035, 0.06))
        pen = Pen(painter, x * ss, y * ss, s * ss)
        if plan.theme in ("desert", "snow", "lava") or plan.setting == "sea":
            pen.ellipse(0.0, 0.12, 0.4, 0.22, scale(plan.hills[3], 0.8), outline=False, shade=0.8, gloss=0.05)
            continue
        blades = [
            [(-0.3, 0.0), (-0.42, 0.7), (-0.1, 0.0)],
            [(-0.15, 0.0), (0.0, 1.0), (0.15, 0.0)],
            [(0.1, 0.0), (0.4, 0.75), (0.3, 0.0)],
        ]
        # Tiny decorations skip the height-map shading: invisible at this size, and not free.
        pen.part([pen.shape(b) for b in blades], grass, outline=False, shade=0.0)
        if rng.random() < 0.45 and plan.time != "night":
            hue = float(rng.choice([0.0, 0.13, 0.6, 0.85, 0.92]))
            petal = hsv(hue, 0.55, 1.0)
            pen.part(
                [
                    pen.disc(0.0 + 0.22 * math.cos(a), 1.0 + 0.22 * math.sin(a), 0.17)
                    for a in np.linspace(0, 2 * math.pi, 5, endpoint=False)
                ],
                petal,
                shade=0.0,
            )
            pen.circle(0.0, 1.0, 0.12, (252, 214, 60), outline=False, shade=0.0)


def _sparkle(pen: Pen, x: float, y: float, r: float, colour: RGB) -> None:
    pts = []
    for k in range(8):
        a = math.pi / 4 * k
        d = r if k % 2 == 0 else r * 0.28
        pts.append((x + math.cos(a) * d, y + math.sin(a) * d))
    pen.poly(pts, colour, outline=False, shade=0.0)


def _effects(
    painter: Painter,
    cv: _Canvas,
    plan: Plan,
    rng: np.random.Generator,
    ss: int,
    count: int,
    hero_x: float,
    base: float,
    size: float,
) -> None:
    w, h = cv.w, cv.h
    m = min(w, h)
    pen = Pen(painter, 0.0, 0.0, float(m * ss))
    if "sparkle" in plan.flags or plan.theme == "magic" or count >= 16:
        for _ in range(6 + count // 2):
            x = (hero_x + float(rng.uniform(-0.6, 0.6)) * size) / m
            y = (h - base + float(rng.uniform(0.0, 1.1)) * size) / m
            _sparkle(
                Pen(painter, 0.0, h * ss, float(m * ss)),
                x,
                y,
                float(rng.uniform(0.01, 0.022)),
                (255, 250, 200),
            )
    if plan.theme == "snow" or "snowfall" in plan.flags:
        for _ in range(30 + count * 3):
            pen.circle(
                float(rng.uniform(0, w / m)),
                -float(rng.uniform(0, h / m)),
                float(rng.uniform(0.003, 0.007)),
                (255, 255, 255),
                outline=False,
                shade=0.0,
                opacity=0.9,
            )
    if plan.theme == "spooky" or "bats" in plan.flags:
        for _ in range(3 + count // 4):
            x, y = float(rng.uniform(0.05, 0.95)) * w / m, -float(rng.uniform(0.08, 0.35)) * h / m
            s = float(rng.uniform(0.02, 0.035))
            wing = [
                (x - s * 1.6, y + s * 0.5),
                (x - s * 0.8, y + s * 0.1),
                (x - s * 0.4, y + s * 0.4),
                (x, y - s * 0.3),
                (x + s * 0.4, y + s * 0.4),
                (x + s * 0.8, y + s * 0.1),
                (x + s * 1.6, y + s * 0.5),
                (x + s * 0.5, y - s * 0.4),
                (x, y - s * 0.6),
                (x - s * 0.5, y - s * 0.4),
            ]
            pen.poly(wing, (26, 18, 36), outline=False, shade=0.0)
    if (
        plan.time == "night"
        and plan.setting in ("land",)
        and plan.theme in ("forest", "magic", "plain", "happy")
    ):
        for _ in range(6 + count // 2):
            x, y = float(rng.uniform(0.0, 1.0)) * w / m, -float(rng.uniform(0.5, 0.95)) * h / m
            pen.circle(x, y, 0.012, (255, 240, 120), outline=False, shade=0.0, opacity=0.35)
            pen.circle(x, y, 0.005, (255, 255, 200), outline=False, shade=0.0)
    if plan.setting == "underwater":
        for _ in range(8 + count):
            x = (hero_x + float(rng.uniform(-0.8, 0.8)) * size) / m
            y = -float(rng.uniform(0.05, 0.7)) * h / m
            r = float(rng.uniform(0.008, 0.02))
            pen.circle(x, y, r, (200, 240, 255), outline=False, shade=0.6, opacity=0.45, gloss=0.5)
            pen.circle(
                x + r * 0.3, y + r * 0.3, r * 0.3, (255, 255, 255), outline=False, shade=0.0, opacity=0.8
            )


def _storybook(img: F32, rng: np.random.Generator) -> F32:
    h, w = img.shape[:2]
    lum = img @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    img = img * 0.85 + lum[..., None] * 0.15
    img = img * 0.8 + _rgb((252, 244, 228)) * 0.2
    grain = rng.random((h, w), dtype=np.float32)
    paper = (
        np.asarray(
            Image.fromarray(grain * 255.0).convert("L").filter(ImageFilter.GaussianBlur(0.8)),
            dtype=np.float32,
        )
        / 255.0
    )
    fibres = smooth_noise(rng, h, w, min(w, h) / 40, 2)
    img = img * (0.95 + 0.05 * paper[..., None] + 0.04 * (fibres[..., None] - 0.5))
    return img


def _to_bytes(img: F32, vignette: float) -> npt.NDArray[np.uint8]:
    """8-bit pixels of ``img`` darkened towards the corners by ``vignette``, in few full-size passes."""
    h, w = img.shape[:2]
    yy = (np.arange(h, dtype=np.float32) / max(1, h - 1) - 0.5)[:, None]
    xx = (np.arange(w, dtype=np.float32) / max(1, w - 1) - 0.5)[None, :]
    r2 = (xx * xx + yy * yy) * 2.0
    factor = (1.0 - vignette * r2**1.5) * np.float32(255.0)
    out = img * factor[..., None]
    np.clip(out, 0.0, 255.0, out=out)
    out += 0.5
    pixels: npt.NDArray[np.uint8] = out.astype(np.uint8)
    return pixels


def generate(req: GenRequest) -> GenResult:
    width = int(req.params.get("width", 512))
    height = int(req.params.get("height", 512))
    style_param = str(req.params.get("style", "auto"))
    req.progress(0.05, "Mixing the colours")
    intent = words.parse(req.intent)
    rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, "image.generate"))
    plan = _plan(intent, style_param)
    pixel = plan.style == "pixel"
    if pixel:
        block = max(2, round(max(width, height) / 128))
        lw, lh = max(16, width // block), max(16, height // block)
        arr = _render(plan, lw, lh, req.tension, rng, req, pixel=True)
        small = Image.fromarray((arr * 255.0 + 0.5).astype(np.uint8))
        colours = {"low": 16, "medium": 24, "high": 32}.get(req.tension, 24)
        small = small.quantize(
            colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        ).convert("RGB")
        image = small.resize((width, height), Image.Resampling.NEAREST)
    else:
        arr = _render(plan, width, height, req.tension, rng, req, pixel=False)
        if plan.style == "storybook":
            arr = _storybook(arr, rng)
        image = Image.fromarray(_to_bytes(arr, 0.16))
    buf = io.BytesIO()
    # Level 4 is twice as fast as the default for about 7% more bytes.
    image.save(buf, format="PNG", compress_level=4)
    subject = plan.hero.word if plan.hero is not None else "landscape"
    meta = {
        "width": width,
        "height": height,
        "palette": plan.palette(),
        "subject": subject,
        "style": plan.style,
    }
    req.progress(1.0, "All done!")
    name = words.slug(req.intent, "picture") + ".png"
    return GenResult(
        outputs=[Output(data=buf.getvalue(), mime="image/png", name=name, role="main", meta=meta)], meta=meta
    )


# ---------------------------------------------------------------------------------------
# Sprites: mirrored random masks
# ---------------------------------------------------------------------------------------

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


def sprite(req: GenRequest) -> GenResult:
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
