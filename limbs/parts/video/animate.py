"""Video · Animate a picture: Turns a picture into a short looping animation.

The picture bobs, pulses, spins or flickers in a seamless loop, saved as a GIF or WebP.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from limbs.craft import words as words
from limbs.craft.pictures import decode_picture, looks_like_pixel_art
from limbs.params import IMAGE, asset, choice, integer, kw
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

Arr = npt.NDArray[Any]

# Animations are made at most this wide or tall: game loops are small and GIFs grow fast.
ANIMATE_SIDE = 512


# ---------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------


def frame_durations(count: int, fps: int, unit: int) -> list[int]:
    """Per-frame durations in ms, multiples of ``unit``, whose sum keeps the loop's true length.

    GIF counts time in hundredths of a second, so 12 fps cannot be 83.3 ms per frame;
    spreading the rounding keeps the whole loop at count / fps seconds.
    """
    ticks = [round(i * 1000 / fps / unit) for i in range(count + 1)]
    return [max(unit, (ticks[i + 1] - ticks[i]) * unit) for i in range(count)]


def _opaque_sample(frames: list[Arr], limit: int) -> tuple[Arr, int]:
    """Every ``step``-th opaque pixel (RGB, int32) across the frames in order, and the opaque count.

    Works frame by frame on indices, so the full stack is never copied or widened.
    """
    masks = [f.reshape(-1, 4)[:, 3] >= 128 for f in frames]
    total = int(sum(int(np.count_nonzero(m)) for m in masks))
    step = max(1, total // limit)
    parts: list[Arr] = []
    seen = 0
    for f, m in zip(frames, masks, strict=True):
        where = np.flatnonzero(m)
        # Keep the global every-step-th choice across frame boundaries.
        first = (-seen) % step
        parts.append(f.reshape(-1, 4)[where[first::step], :3])
        seen += len(where)
    if not parts:
        return np.zeros((0, 3), dtype=np.int32), 0
    return np.concatenate(parts).astype(np.int32), total


def _gif_palette(frames: list[Arr]) -> tuple[Arr, bool]:
    """Up to 255 colours shared by every frame (index 255 is transparency); exact when it can be."""
    sample, total = _opaque_sample(frames, 65536)
    if not total:
        return np.zeros((1, 3), dtype=np.uint8), True
    # Count distinct colours on the sample first: a photo is found out without a full pass.
    few = len(np.unique((sample[:, 0] << 16) | (sample[:, 1] << 8) | sample[:, 2])) <= 255
    if few:
        opaque, _ = _opaque_sample(frames, total)
        uniq = np.unique((opaque[:, 0] << 16) | (opaque[:, 1] << 8) | opaque[:, 2])
        if len(uniq) <= 255:
            cols = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1).astype(np.uint8)
            return cols, True
    strip = Image.fromarray(np.ascontiguousarray(sample[None, :, :]).astype(np.uint8))
    quant = strip.quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    pal = np.array(quant.getpalette() or [0, 0, 0], dtype=np.uint8).reshape(-1, 3)
    used = np.unique(np.asarray(quant))
    return pal[used], False


def _index_frame(frame: Arr, pal: Arr, exact: bool, ref: Image.Image | None) -> Arr:
    """Palette indices of one RGBA frame, 255 where transparent."""
    if exact:
        rgb = frame[..., :3].astype(np.int32)
        keys = (pal[:, 0].astype(np.int32) << 16) | (pal[:, 1].astype(np.int32) << 8) | pal[:, 2]
        order = np.argsort(keys)
        key = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
        pos = np.clip(np.searchsorted(keys[order], key), 0, len(keys) - 1)
        idx = order[pos].astype(np.uint8)
    else:
        # Pillow's nearest-colour mapping; a palette of at most 255 entries never yields 255.
        assert ref is not None
        rgb_im = Image.fromarray(frame, mode="RGBA").convert("RGB")
        idx = np.asarray(rgb_im.quantize(palette=ref, dither=Image.Dither.NONE))
    out: Arr = np.where(frame[..., 3] >= 128, idx, 255).astype(np.uint8)
    return out


def _index_frames(frames: list[Arr], pal: Arr, exact: bool) -> list[Arr]:
    """Map RGBA frames to palette indices, 255 where transparent."""
    ref = None
    if not exact:
        ref = Image.new("P", (1, 1))
        ref.putpalette(pal.ravel().tolist())
    return [_index_frame(f, pal, exact, ref) for f in frames]


def encode_gif(frames: list[Arr], durations: list[int], period: int = 0, turn: int = 0) -> bytes:
    """A looping GIF of RGBA frames with one shared palette.

    With ``period`` and ``turn``, frame ``i`` is frame ``i % period`` turned by ``turn`` quarter
    turns ``i // period`` times (a spin): only the first ``period`` frames are analysed and indexed,
    since a turned frame holds the same colours and indexes to the same turned indices.
    """
    base = frames[:period] if 0 < period < len(frames) and turn else frames
    pal, exact = _gif_palette(base)
    # Repeated poses are one array object: index each once.
    distinct = list({id(f): f for f in base}.values())
    by_id = dict(zip((id(f) for f in distinct), _index_frames(distinct, pal, exact), strict=True))
    base_idx = [by_id[id(f)] for f in base]
    indexed = [
        base_idx[i] if i < len(base) else np.rot90(base_idx[i % len(base)], -turn * (i // len(base)))
        for i in range(len(frames))
    ]
    flat = np.zeros((256, 3), dtype=np.uint8)
    flat[: len(pal)] = pal
    palette = flat.ravel().tolist()
    images = []
    for idx in indexed:
        im = Image.fromarray(np.ascontiguousarray(idx), mode="P")
        im.putpalette(palette)
        images.append(im)
    buf = io.BytesIO()
    images[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=durations,
        loop=0,
        disposal=2,
        transparency=255,
        optimize=False,
    )
    return buf.getvalue()


def gif_durations(data: bytes) -> list[int] | None:
    """Per-frame durations (ms) read from a GIF's control blocks, without decoding any pixels.

    None when the bytes are not a GIF this walker understands; callers then decode instead.
    """
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        return None
    pos = 13
    if data[10] & 0x80:
        pos += 3 << ((data[10] & 7) + 1)
    out: list[int] = []
    delay = 0
    try:
        while True:
            tag = data[pos]
            if tag == 0x3B:
                return out
            if tag == 0x21:
                label = data[pos + 1]
                pos += 2
                if label == 0xF9 and data[pos] >= 4:
                    delay = int.from_bytes(data[pos + 2 : pos + 4], "little") * 10
                while data[pos]:
                    pos += data[pos] + 1
                pos += 1
            elif tag == 0x2C:
                packed = data[pos + 9]
                pos += 10
                if packed & 0x80:
                    pos += 3 << ((packed & 7) + 1)
                pos += 1  # LZW minimum code size
                while data[pos]:
                    pos += data[pos] + 1
                pos += 1
                out.append(delay)
            else:
                return None
    except IndexError:
        return None


def encode_webp(frames: list[Arr], durations: list[int], lossless: bool) -> bytes:
    images = [Image.fromarray(f, mode="RGBA") for f in frames]
    buf = io.BytesIO()
    images[0].save(
        buf,
        format="WEBP",
        save_all=True,
        append_images=images[1:],
        duration=durations,
        loop=0,
        lossless=lossless,
        quality=80 if not lossless else 60,
        # Method 1 encodes about twice as fast as the default 4 for ~20% more bytes.
        method=1,
        background=(0, 0, 0, 0),
    )
    return buf.getvalue()


def stored_durations(data: bytes) -> list[int]:
    """The per-frame durations an encoded animation really holds."""
    quick = gif_durations(data)
    if quick is not None:
        return quick
    with Image.open(io.BytesIO(data)) as im:
        out = []
        for i in range(int(getattr(im, "n_frames", 1))):
            im.seek(i)
            im.load()  # WebP only sets a frame's duration once it is decoded
            out.append(int(im.info.get("duration", 0)))
    return out


# ---------------------------------------------------------------------------------------
# Motion
# ---------------------------------------------------------------------------------------

_MOTION_WORDS: dict[str, tuple[str, ...]] = {
    "spin": (
        "spin",
        "spins",
        "spinning",
        "rotate",
        "rotating",
        "turn",
        "turning",
        "coin",
        "wheel",
        "twirl",
        "whirl",
        "swirl",
        "propeller",
        "fan",
        "star",
        "saw",
        "gear",
    ),
    "flicker": (
        "flicker",
        "flickering",
        "flickers",
        "torch",
        "fire",
        "flame",
        "flames",
        "candle",
        "lamp",
        "campfire",
        "neon",
        "glitch",
        "sparkle",
        "twinkle",
        "lantern",
        "burning",
    ),
    "pulse": (
        "pulse",
        "pulsing",
        "pulses",
        "throb",
        "throbbing",
        "heart",
        "beat",
        "heartbeat",
        "breathe",
        "breathing",
        "glow",
        "glowing",
        "grow",
        "shrink",
        "bounce",
        "pop",
    ),
    "bob": (
        "bob",
        "bobbing",
        "bobs",
        "float",
        "floating",
        "hover",
        "hovering",
        "ghost",
        "boat",
        "balloon",
        "fly",
        "flying",
        "swim",
        "drift",
        "idle",
    ),
}


def choose_motion(intent: str) -> str:
    """The first motion word in the sentence wins; without one, things bob gently."""
    for token in words.normalise(intent).split():
        for motion, keys in _MOTION_WORDS.items():
            if token in keys:
                return motion
    return "bob"


def _affine(
    im: Image.Image,
    size: tuple[int, int],
    centre_out: tuple[float, float],
    scale_xy: tuple[float, float],
    angle: float,
    offset: tuple[float, float],
    resample: Image.Resampling,
) -> Image.Image:
    """Place ``im`` (premultiplied) on a canvas: scaled, turned by ``angle`` degrees, moved."""
    sx, sy = scale_xy
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    cx, cy = centre_out[0] + offset[0], centre_out[1] + offset[1]
    icx, icy = im.width / 2, im.height / 2
    # Inverse map: output pixel -> source pixel (rotate back, then unscale).
    m00, m01 = ca / sx, sa / sx
    m10, m11 = -sa / sy, ca / sy
    coeffs = (m00, m01, icx - m00 * cx - m01 * cy, m10, m11, icy - m10 * cx - m11 * cy)
    return im.transform(size, Image.Transform.AFFINE, coeffs, resample=resample, fillcolor=(0, 0, 0, 0))


def spin_symmetry(motion: str, count: int) -> tuple[int, int]:
    """(period, quarter turns) such that spin frame ``i`` is frame ``i % period`` turned.

    A spin's canvas is square and centred, so the frame a quarter (or half) loop later is the
    same picture turned by 90 (or 180) degrees: a pixel permutation, not a new resampling.
    """
    if motion != "spin":
        return count, 0
    if count % 4 == 0:
        return count // 4, 1
    if count % 2 == 0:
        return count // 2, 2
    return count, 0


def _slide(premul: Arr, size: tuple[int, int], top: float) -> Arr:
    """A premultiplied picture moved down to ``top`` on a transparent canvas of its width.

    The same bilinear sampling as ``_affine`` for a pure vertical move, done as one blend of
    two whole-row shifts in 8.8 fixed point instead of a general per-pixel resampling.
    """
    h, w = premul.shape[:2]
    k = math.floor(top)
    wf = round((top - k) * 256)
    if wf == 256:
        k, wf = k + 1, 0
    acc = np.zeros((h + 1, w, 4), dtype=np.uint16)
    src = premul.astype(np.uint16)
    np.multiply(src, 256 - wf, out=acc[:h])
    if wf:
        acc[1:] += src * np.uint16(wf)
    acc += 128
    acc >>= 8
    out = np.zeros((size[1], w, 4), dtype=np.uint8)
    lo, hi = max(0, k), min(size[1], k + h + 1)
    if hi > lo:
        out[lo:hi] = acc[lo - k : hi - k]
    return out


def _render_motion(
    picture: Image.Image, motion: str, count: int, pixel_art: bool, rng: np.random.Generator
) -> tuple[list[Arr], dict[str, Any]]:
    w, h = picture.size
    resample = Image.Resampling.NEAREST if pixel_art else Image.Resampling.BILINEAR
    premul = picture.convert("RGBa")
    premul_arr: Arr | None = None
    info: dict[str, Any] = {}
    phases = rng.random(3) * math.tau
    if motion == "bob":
        amp = max(1.0, round(h * 0.08))
        size = (w, h + 2 * int(amp))
        info["amplitude_px"] = amp
    elif motion == "pulse":
        amp = 0.08
        size = (math.ceil(w * (1 + amp)) + 2, math.ceil(h * (1 + amp)) + 2)
        info["amplitude"] = amp
    elif motion == "spin":
        side = math.ceil(math.hypot(w, h)) + 2
        size = (side, side)
    else:
        lift = max(1, round(h * 0.06))
        size = (w, h + lift)
        info["harmonics"] = 3
    centre = (size[0] / 2, size[1] / 2)
    frames: list[Arr] = []
    # When the swing's peak falls half-way between two samples (count = 2 mod 4), those two
    # samples are the same picture; shifting by half a step puts a sample on the peak instead.
    shift = 0.5 if count % 4 == 2 and motion in ("bob", "pulse") else 0.0
    period, turn = spin_symmetry(motion, count)
    # A swing passes each pose twice a loop (sin(x) = sin(pi - x)): such frames are one array.
    made: dict[tuple[float, ...], Arr] = {}
    for i in range(count):
        if i >= period:
            # A view: the GIF encoder only reads the first period; others copy on use.
            frames.append(np.rot90(frames[i % period], -turn * (i // period)))
            continue
        t = (i + shift) / count  # never reaches 1: that frame would repeat frame 0, so the loop is seamless
        s = math.sin(math.tau * t)
        scale_xy, angle, offset, gain = (1.0, 1.0), 0.0, (0.0, 0.0), 1.0
        if motion == "bob":
            dy = -amp * s
            offset = (0.0, float(round(dy)) if pixel_art else dy)
        elif motion == "pulse":
            k = 1 + 0.08 * s
            scale_xy = (k, k)
        elif motion == "spin":
            angle = 360.0 * t
        else:
            wave = sum(math.sin(math.tau * (j + 1) * t + phases[j]) / (j + 1) for j in range(3)) / 1.83
            gain = 1.0 + 0.22 * wave
            stretch = 1.0 + 0.05 * wave
            scale_xy = (1.0, stretch)
            # Stretch upward from the base, like a flame, instead of about the middle.
            offset = (0.0, (size[1] - h) / 2 - h * (stretch - 1) / 2)
        key = tuple(round(v, 9) for v in (*scale_xy, angle, *offset, gain))
        if key in made:
            frames.append(made[key])
            continue
        top = centre[1] + offset[1] - h / 2
        if (
            scale_xy == (1.0, 1.0)
            and angle == 0.0
            and gain == 1.0
            and offset[0] == 0.0
            and size[0] == w
            and (not pixel_art or top == math.floor(top))
        ):
            if premul_arr is None:
                premul_arr = np.asarray(premul)
            slid = _slide(premul_arr, size, top)
            arr = np.asarray(Image.fromarray(slid, mode="RGBa").convert("RGBA"))
        else:
            moved = _affine(premul, size, centre, scale_xy, angle, offset, resample).convert("RGBA")
            if gain != 1.0:
                # A per-value table gives the same bytes as scaling every pixel in float.
                lut = np.clip(np.arange(256, dtype=np.float32) * np.float32(gain) + 0.5, 0, 255)
                table = lut.astype(np.uint8).tolist()
                moved = moved.point(table * 3 + list(range(256)))
            arr = np.asarray(moved)
        made[key] = np.ascontiguousarray(arr)
        frames.append(made[key])
    return frames, info


def make(req: GenRequest) -> GenResult:
    motion = str(req.params.get("motion", "auto"))
    count = int(req.params.get("frames", 12))
    fps = int(req.params.get("fps", 12))
    fmt = str(req.params.get("format", "gif"))
    source = req.inputs.get("image")
    if source is None:
        raise GeneratorInputError("image", "Pick a picture to bring to life.")
    req.progress(0.05, "Looking at your picture")
    picture, has_alpha = decode_picture(source, "image")
    pixel_art = looks_like_pixel_art(picture)
    scaled = False
    if max(picture.size) > ANIMATE_SIDE:
        k = ANIMATE_SIDE / max(picture.size)
        new_size = (max(1, round(picture.width * k)), max(1, round(picture.height * k)))
        picture = picture.resize(
            new_size, Image.Resampling.NEAREST if pixel_art else Image.Resampling.LANCZOS
        )
        scaled = True
    chosen = choose_motion(req.intent) if motion == "auto" else motion
    rng = np.random.default_rng(words.derive_seed(req.seed, req.intent, "video.animate"))
    req.progress(0.2, f"Making it {chosen}")
    frames, info = _render_motion(picture, chosen, count, pixel_art, rng)
    req.progress(0.7, "Saving the loop")
    if fmt == "webp":
        durations = frame_durations(count, fps, 1)
        data = encode_webp(frames, durations, lossless=pixel_art)
        mime, ext = "image/webp", "webp"
    else:
        durations = frame_durations(count, fps, 10)
        period, turn = spin_symmetry(chosen, count)
        data = encode_gif(frames, durations, period, turn)
        mime, ext = "image/gif", "gif"
    height, width = frames[0].shape[:2]
    stored = stored_durations(data)
    meta = {
        "width": width,
        "height": height,
        "motion": chosen,
        # Both encoders fold a frame identical to the one before into it (a pixel-art bob
        # rests on whole pixels), so the file may hold fewer, longer frames: same timing.
        "frames": len(stored),
        "frames_requested": count,
        "fps": fps,
        "format": ext,
        "durations": stored,
        "loop_ms": sum(stored),
        "loop": 0,
        "source_alpha": has_alpha,
        "pixel_art": pixel_art,
        "scaled_to_fit": scaled,
        **info,
    }
    req.progress(1.0, "All done!")
    name = f"{words.slug(req.intent, 'animation')}-{chosen}.{ext}"
    return GenResult(outputs=[Output(data=data, mime=mime, name=name, role="main", meta=meta)], meta=meta)


ACTION = ActionSpec(
    id="animate",
    name="Animate a picture",
    description="Turns a picture into a short looping animation.",
    output="image",
    needs_intent=False,
    params=(
        asset("image", "Picture", IMAGE, "The picture to bring to life."),
        choice(
            "motion",
            "Motion",
            ("auto", "bob", "pulse", "spin", "flicker"),
            "auto",
            "How it moves. Auto picks from your words.",
        ),
        integer("frames", "Frames", 12, 4, 48, "More frames make smoother movement and bigger files."),
        integer("fps", "Speed", 12, 4, 30, "Frames per second."),
        choice("format", "File type", ("gif", "webp"), "gif", "GIF works everywhere; WebP is smaller."),
    ),
    keywords=kw(
        "animate, animated, gif, loop, looping, flicker, flickering, spin, spinning, bob, bobbing, "
        "pulse, pulsing"
    ),
    make=make,
)
