"""Image · Make a picture: Paints a picture from your words.

A storybook scene: a planned sky and landscape with the named subjects drawn in front.
"""

from __future__ import annotations

import functools
import io
import math
import struct
import zlib
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageChops, ImageFilter

from limbs.craft import words as words
from limbs.craft.draw.fields import F32, smooth_noise
from limbs.craft.draw.pen import Painter, Pen
from limbs.craft.draw.subjects import DRAWERS
from limbs.craft.words import RGB, hsv, scale
from limbs.params import choice, integer, kw
from limbs.parts.image._backdrop import (
    Canvas,
    paint_front_ground,
    paint_land,
    paint_sea,
    paint_sky,
    paint_underwater,
    unit_rgb,
)
from limbs.parts.image._plan import SAND, STORY_INK, Plan, plan_scene
from limbs.providers.tasks import TEXT_TO_IMAGE, ImageAsk, Task, fit_picture
from limbs.spec import ActionSpec, GenRequest, GenResult, Output

_TENSION = {"low": (1, 3, 6), "medium": (2, 4, 10), "high": (3, 6, 16)}


def _render(
    plan: Plan, w: int, h: int, tension: str, rng: np.random.Generator, req: GenRequest, pixel: bool
) -> Image.Image:
    ss, quality, deco = _TENSION.get(tension, _TENSION["medium"])
    if pixel:
        ss = 1
    ss = max(1, min(ss, 2048 // max(w, h)))
    cv = Canvas(w, h)
    m = min(w, h)
    tex = smooth_noise(rng, h, w, m / 10, quality)
    horizon = 0.6 if plan.setting != "sea" else 0.56
    req.progress(0.2, "Painting the sky")
    if plan.setting == "underwater":
        paint_underwater(cv, plan, rng, ss, quality, tex)
    else:
        paint_sky(cv, plan, rng, horizon, quality)
        req.progress(0.4, "Filling the sea" if plan.setting == "sea" else "Growing the hills")
        if plan.setting == "sea":
            paint_sea(cv, plan, rng, horizon, ss, quality, tex)
            if plan.hero is None or plan.hero.kind != "boat":
                paint_front_ground(
                    cv, plan, rng, ss, quality, tex, SAND if plan.time != "night" else scale(SAND, 0.45)
                )
        elif plan.setting == "space":
            moon = (150, 146, 160) if plan.time != "night" else (110, 108, 124)
            paint_front_ground(cv, plan, rng, ss, quality, tex, moon)
        else:
            paint_land(cv, plan, rng, horizon, ss, quality, tex)
            paint_front_ground(cv, plan, rng, ss, quality, tex, plan.hills[3])

    # Subjects are painted at the supersampled size for smooth edges.
    size = m * 0.62 * plan.scale
    outline = max(0.7, size * ss * 0.0075)
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
            cv.img[:, sy0:sy1, sx0:sx1] *= (1.0 - 0.35 * np.clip(1.0 - dist, 0.0, 1.0) ** 1.5)[None]

    # Subjects are painted straight over the finished backdrop, at the supersampled size.
    ink = STORY_INK if plan.style == "storybook" else None
    painter = Painter(w * ss, h * ss, outline, ink, _picture(cv.img), block=ss)
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
            row = cv.img[:, int(min(h - 1, base + h * 0.04))]
            look = replace(look, water=words.clamp_rgb(*(row.mean(axis=1) * 255.0)))
        DRAWERS[plan.hero.kind](pen, look, rng)
    req.progress(0.85, "Adding sparkle")
    _effects(painter, cv, plan, rng, ss, deco, hero_x, base, size)

    return painter.downsampled(w, h)


def _picture(planes: F32) -> Image.Image:
    """An "RGB" picture of planar 0..1 floats (3, h, w)."""
    bands = []
    level = np.empty(planes.shape[1:], dtype=np.float32)
    for plane in planes:
        np.multiply(plane, np.float32(255.0), out=level)
        level += 0.5
        np.clip(level, 0.0, 255.0, out=level)
        bands.append(Image.fromarray(level.astype(np.uint8)))
    return Image.merge("RGB", bands)


def _decorate_ground(
    painter: Painter,
    cv: Canvas,
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
    cv: Canvas,
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
    img = img * 0.8 + unit_rgb((252, 244, 228)) * 0.2
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


@functools.lru_cache(maxsize=8)
def _vignette(h: int, w: int, vignette: float) -> F32:
    """Per-pixel factors, (h, w, 1), darkening a picture towards its corners (read-only)."""
    yy = (np.arange(h, dtype=np.float32) / max(1, h - 1) - 0.5)[:, None]
    xx = (np.arange(w, dtype=np.float32) / max(1, w - 1) - 0.5)[None, :]
    r2 = (xx * xx + yy * yy) * 2.0
    factor: F32 = (1.0 - vignette * r2**1.5)[..., None].astype(np.float32)
    factor.setflags(write=False)
    return factor


@functools.lru_cache(maxsize=8)
def _vignette_picture(h: int, w: int, vignette: float) -> Image.Image:
    """The vignette's factors as an "RGB" picture, 255 for 1."""
    levels = np.repeat(_vignette(h, w, vignette) * np.float32(255.0) + np.float32(0.5), 3, axis=2)
    return Image.fromarray(levels.astype(np.uint8))


def _to_bytes(img: F32, vignette: float) -> npt.NDArray[np.uint8]:
    """8-bit pixels of ``img`` (0..1 floats) darkened towards the corners by ``vignette``."""
    h, w = img.shape[:2]
    out = img * (_vignette(h, w, vignette) * np.float32(255.0))
    np.clip(out, 0.0, 255.0, out=out)
    out += 0.5
    pixels: npt.NDArray[np.uint8] = out.astype(np.uint8)
    return pixels


def _vignetted(picture: Image.Image, vignette: float) -> npt.NDArray[np.uint8]:
    """The pixels of an "RGB" ``picture`` darkened towards the corners by ``vignette``: one
    8-bit multiply in Pillow (the factor is rounded to 1/255, which moves no pixel by more
    than one level)."""
    shade = _vignette_picture(picture.height, picture.width, vignette)
    return np.asarray(ImageChops.multiply(picture, shade))


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def _png(pixels: npt.NDArray[np.uint8]) -> bytes:
    """An 8-bit RGB PNG of ``pixels`` (h, w, 3).

    Each row is filtered "Sub" (each byte minus the same channel of the pixel to its left) or
    "Up" (minus the byte above), whichever leaves smaller differences on a sample of its bytes
    (the usual heuristic), both taken in whole-picture numpy steps; deflate then looks only
    for runs (Z_RLE). On these painted scenes that takes well under half the time of Pillow's
    encoder at level 4, for files of about the same size to a tenth bigger.
    """
    h, w = pixels.shape[:2]
    rows = np.ascontiguousarray(pixels).reshape(h, w * 3)
    sub = np.empty((h, w * 3 + 1), dtype=np.uint8)
    sub[:, 0] = 1
    sub[:, 1:4] = rows[:, :3]
    np.subtract(rows[:, 3:], rows[:, :-3], out=sub[:, 4:])
    up = np.empty_like(sub)
    up[:, 0] = 2
    up[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=up[1:, 1:])
    picks = _spread(up) < _spread(sub)
    sub[picks] = up[picks]
    packer = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    data = packer.compress(sub.data) + packer.flush()
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, not interlaced
    return _PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def _spread(filtered: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """Per row, the sum of every third filtered byte taken as a signed difference."""
    sample = filtered[:, 1::3].view(np.int8).astype(np.int16)
    spread: npt.NDArray[np.int64] = np.abs(sample).sum(axis=1, dtype=np.int64)
    return spread


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make(req: GenRequest) -> GenResult:
    width = int(req.params.get("width", 512))
    height = int(req.params.get("height", 512))
    style_param = str(req.params.get("style", "auto"))
    req.progress(0.05, "Mixing the colours")
    intent = words.parse(req.intent)
    rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, "image.generate"))
    plan = plan_scene(intent, style_param)
    pixel = plan.style == "pixel"
    if pixel:
        block = max(2, round(max(width, height) / 128))
        lw, lh = max(16, width // block), max(16, height // block)
        small = _render(plan, lw, lh, req.tension, rng, req, pixel=True)
        colours = {"low": 16, "medium": 24, "high": 32}.get(req.tension, 24)
        small = small.quantize(
            colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        ).convert("RGB")
        buf = io.BytesIO()
        # Big flat blocks of few colours: Pillow's adaptive filters make these files tiny.
        small.resize((width, height), Image.Resampling.NEAREST).save(buf, format="PNG", compress_level=4)
        png = buf.getvalue()
    else:
        painted = _render(plan, width, height, req.tension, rng, req, pixel=False)
        if plan.style == "storybook":
            floats = np.asarray(painted, dtype=np.float32) * np.float32(1.0 / 255.0)
            png = _png(_to_bytes(_storybook(floats, rng), 0.16))
        else:
            png = _png(_vignetted(painted, 0.16))
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
        outputs=[Output(data=png, mime="image/png", name=name, role="main", meta=meta)], meta=meta
    )


# --- a model's picture -----------------------------------------------------------------

# What a model is told the picture looks like, after your words.
STYLE_SUFFIXES = {
    "pixel": "pixel art, 16-bit game sprite style",
    "storybook": "storybook illustration, soft pastel",
    "night": "at night, moonlit",
    "auto": "colourful game concept art",
}
# Sampling steps by tension; few-step models (Flux schnell) take at most 8.
_STEPS = {"low": 4, "medium": 6, "high": 8}


def _ask(req: GenRequest) -> ImageAsk:
    suffix = STYLE_SUFFIXES.get(str(req.params.get("style", "auto")), STYLE_SUFFIXES["auto"])
    return ImageAsk(
        prompt=f"{req.intent.strip()}, {suffix}",
        width=int(req.params.get("width", 512)),
        height=int(req.params.get("height", 512)),
        seed=req.seed,
        steps=_STEPS.get(req.tension, 6),
    )


def _answer(req: GenRequest, picture: bytes, source: str) -> list[Output]:
    """A model's picture, of whatever size and format, as the PNG of exactly the size asked."""
    ask = _ask(req)
    png = fit_picture(picture, ask.width, ask.height)
    meta = {"width": ask.width, "height": ask.height, "source": source}
    return [Output(data=png, mime="image/png", name=words.slug(req.intent, "picture") + ".png", meta=meta)]


TASK = Task(TEXT_TO_IMAGE, _ask, _answer)


ACTION = ActionSpec(
    id="generate",
    name="Make a picture",
    description="Paints a picture from your words.",
    output="image",
    ai_tiers=("cloudflare", "gemini"),
    task=TASK.shape.name,
    needs_intent=True,
    deadline_s=30.0,
    examples=("a red dragon sleeping on gold", "a cosy cabin in the snow at night"),
    params=(
        integer("width", "Width", 512, 64, 1024, "How wide the picture is, in pixels."),
        integer("height", "Height", 512, 64, 1024, "How tall the picture is, in pixels."),
        choice(
            "style",
            "Style",
            ("auto", "storybook", "pixel", "night"),
            "auto",
            "The look of the picture. Auto picks one from your words.",
        ),
    ),
    keywords=kw(
        "picture, draw, drawing, paint, painting, illustration, scene, poster, portrait, "
        "concept art, sketch, wallpaper, photo"
    ),
    make=make,
)
