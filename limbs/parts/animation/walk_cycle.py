"""Animation · Walk cycle: Makes a sprite walk, step by step, with a GIF preview.

The sprite's lower part is cut into two legs that swing while the body bobs: a sprite sheet
in a row and a looping GIF preview.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from limbs.craft import words as words
from limbs.craft.arrays import decode_picture
from limbs.params import IMAGE, asset, integer, kw, number
from limbs.parts.animation._params import float_param
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

U8 = npt.NDArray[np.uint8]

MAX_SPRITE_SIDE = 256


def _sprite_alpha(rgba: U8) -> U8:
    """Use the sprite's alpha; an opaque picture loses the colour that fills its border."""
    if (rgba[..., 3] < 250).any():
        return rgba
    border = np.concatenate([rgba[0, :, :3], rgba[-1, :, :3], rgba[:, 0, :3], rgba[:, -1, :3]]).astype(
        np.int32
    )
    bg = np.median(border, axis=0)
    if float(np.abs(border - bg).sum(axis=1).mean()) > 40:
        return rgba  # a busy border: nothing safe to remove
    out = rgba.copy()
    out[..., 3] = np.where(np.abs(rgba[..., :3].astype(np.int32) - bg).sum(axis=-1) < 48, 0, 255).astype(
        np.uint8
    )
    return out


def _shift_rows(img: U8, shifts: npt.NDArray[np.int64], rows: slice, cols: slice) -> U8:
    """Copy each row of a region sideways by its own whole-pixel shift (keeps pixel art crisp)."""
    out = np.zeros_like(img)
    width = img.shape[1]
    for y in range(rows.start, rows.stop):
        dx = int(shifts[y - rows.start])
        src = img[y, cols]
        start = cols.start + dx
        a, b = max(0, start), min(width, start + src.shape[0])
        if b > a:
            out[y, a:b] = src[a - start : b - start]
    return out


def _over(base: U8, top: U8) -> U8:
    mask = top[..., 3:4] > 0
    out: U8 = np.where(mask, top, base)
    return out


def make(req: GenRequest) -> GenResult:
    data = req.inputs.get("sprite")
    if not data:
        raise GeneratorInputError("sprite", "Please attach the sprite that should walk.")
    frames = round(float_param(req.params, "frames", 8, 4, 16))
    fps = round(float_param(req.params, "fps", 10, 4, 24))
    bounce = float_param(req.params, "bounce", 0.5, 0.0, 1.0)
    rgba = _sprite_alpha(decode_picture(bytes(data), "sprite"))
    solid = rgba[..., 3] >= 128
    if not solid.any():
        raise GeneratorInputError("sprite", "The sprite is completely see-through, so nothing can walk.")
    ys, xs = np.nonzero(solid)
    crop = rgba[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = crop.shape[:2]
    if max(h, w) > MAX_SPRITE_SIDE:
        k = MAX_SPRITE_SIDE / max(h, w)
        im = Image.fromarray(crop).resize(
            (max(1, round(w * k)), max(1, round(h * k))), Image.Resampling.LANCZOS
        )
        crop = np.asarray(im, dtype=np.uint8)
        h, w = crop.shape[:2]
    crop = crop.copy()
    crop[..., 3] = np.where(crop[..., 3] >= 128, 255, 0).astype(np.uint8)

    req.progress(0.2, "Finding the legs")
    # Legs are the lower 30% of the body, split at the silhouette's centre of mass.
    hip = max(1, min(h - 1, round(h * 0.7)))
    cols = np.nonzero(crop[hip:, :, 3].any(axis=0))[0]
    centre = round(float(np.average(np.arange(w), weights=crop[:, :, 3].sum(axis=0) + 1e-6)))
    if len(cols):
        centre = min(max(centre, int(cols.min()) + 1), int(cols.max()))
    leg_len = h - hip
    swing_px = max(1, round(leg_len * 0.45))
    bob_px = round(max(1, h * 0.06) * bounce) if bounce > 0 else 0
    pad_x = swing_px + 1
    pad_top = bob_px + max(1, round(h * 0.04 * bounce))
    fw, fh = w + 2 * pad_x, h + pad_top + 1
    canvas = np.zeros((fh, fw, 4), dtype=np.uint8)
    canvas[pad_top : pad_top + h, pad_x : pad_x + w] = crop
    top_y, hip_y = pad_top, pad_top + hip

    req.progress(0.4, "Taking steps")
    sheet_frames: list[U8] = []
    frame_meta = []
    for f in range(frames):
        phase = 2 * math.pi * f / frames
        swing = math.sin(phase)
        # Body lowest when the legs are furthest apart, highest as they pass.
        lift = bob_px * (0.5 + 0.5 * math.cos(2 * phase))
        squash = bounce * 0.08 * (0.5 - 0.5 * math.cos(2 * phase))
        depth = np.arange(leg_len, dtype=np.float64) + 0.5
        legs = np.zeros_like(canvas)
        for side, sign in (("left", 1.0), ("right", -1.0)):
            cols_slice = slice(pad_x, pad_x + centre) if side == "left" else slice(pad_x + centre, pad_x + w)
            shifts = np.round(sign * swing * swing_px * depth / leg_len).astype(np.int64)
            moved = _shift_rows(canvas, shifts, slice(hip_y, hip_y + leg_len), cols_slice)
            legs = _over(legs, moved)
        # The body (above the hips) rises and squashes as one piece over the legs.
        body = canvas[top_y:hip_y]
        bh = body.shape[0]
        new_h = max(1, round(bh * (1 - squash)))
        new_w = max(1, round(w * (1 + squash * 0.6)))
        body_img = Image.fromarray(body[:, pad_x : pad_x + w]).resize(
            (new_w, new_h), Image.Resampling.NEAREST
        )
        body_px = np.asarray(body_img, dtype=np.uint8)
        frame = legs.copy()
        y1 = hip_y - round(lift)
        y0 = y1 - new_h
        x0 = pad_x + (w - new_w) // 2
        layer = np.zeros_like(frame)
        ys0, xs0 = max(0, y0), max(0, x0)
        ys1, xs1 = min(fh, y1), min(fw, x0 + new_w)
        layer[ys0:ys1, xs0:xs1] = body_px[ys0 - y0 : ys1 - y0, xs0 - x0 : xs1 - x0]
        # Fill the gap a lifted body leaves above the hips with the top rows of the legs.
        if round(lift) > 0:
            stretch = np.repeat(legs[hip_y : hip_y + 1], round(lift), axis=0)
            gap = np.zeros_like(frame)
            gap[y1:hip_y] = stretch
            frame = _over(frame, gap)
        frame = _over(frame, layer)
        sheet_frames.append(frame)
        frame_meta.append(
            {"x": f * fw, "y": 0, "w": fw, "h": fh, "swing": round(swing, 4), "lift": round(lift, 3)}
        )

    req.progress(0.7, "Making the sprite sheet")
    sheet = np.concatenate(sheet_frames, axis=1)
    buf = io.BytesIO()
    Image.fromarray(sheet, "RGBA").save(buf, format="PNG", compress_level=3)
    sheet_png = buf.getvalue()

    # GIF preview: one shared palette with a transparent slot; small sprites shown bigger.
    zoom = max(1, min(8, 192 // max(fw, fh)))
    # The palette is learnt from a sparse sample of the sheet: same colours, a quarter of the work.
    sample = sheet[::2, ::2] if sheet.shape[0] * sheet.shape[1] > 65536 else sheet
    rgb_sheet = Image.fromarray(np.where(sample[..., 3:4] > 0, sample[..., :3], 0).astype(np.uint8), "RGB")
    palette_img = rgb_sheet.quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    gif_frames = []
    for frame in sheet_frames:
        rgb = Image.fromarray(np.where(frame[..., 3:4] > 0, frame[..., :3], 0).astype(np.uint8), "RGB")
        pal = rgb.quantize(palette=palette_img, dither=Image.Dither.NONE)
        idx = np.asarray(pal, dtype=np.uint8).copy()
        idx[frame[..., 3] == 0] = 255
        im = Image.fromarray(idx, "P")
        im.putpalette(palette_img.getpalette() or [])
        if zoom > 1:
            im = im.resize((fw * zoom, fh * zoom), Image.Resampling.NEAREST)
        gif_frames.append(im)
    delay = round(1000 / fps / 10) * 10  # GIF delays are whole centiseconds
    gbuf = io.BytesIO()
    gif_frames[0].save(
        gbuf,
        format="GIF",
        save_all=True,
        append_images=gif_frames[1:],
        loop=0,
        duration=delay,
        disposal=2,
        transparency=255,
        optimize=False,
    )
    stem = words.slug(req.intent, "walk-cycle") if req.intent.strip() else "walk-cycle"
    meta: dict[str, Any] = {
        "frames": frames,
        "fps": fps,
        "gif_delay_ms": delay,
        "bounce": bounce,
        "frame_size": [fw, fh],
        "sheet_size": [fw * frames, fh],
        "layout": "row",
        "hip_row": hip,
        "split_column": centre,
        "stride_px": swing_px,
        "bob_px": bob_px,
        "preview_zoom": zoom,
        "frame_rects": frame_meta,
    }
    req.progress(1.0, "Your sprite can walk!")
    return GenResult(
        outputs=[
            Output(
                sheet_png,
                "image/png",
                f"{stem}-sheet.png",
                "main",
                {"frames": frames, "frame_size": [fw, fh]},
            ),
            Output(gbuf.getvalue(), "image/gif", f"{stem}.gif", "preview", {"fps": fps, "loop": True}),
        ],
        meta=meta,
    )


ACTION = ActionSpec(
    id="walk_cycle",
    name="Walk cycle",
    description="Makes a sprite walk, step by step, with a GIF preview.",
    output="image",
    needs_intent=False,
    params=(
        asset("sprite", "Sprite", IMAGE, "The character picture that should walk."),
        integer("frames", "Frames", 8, 4, 16, "Pictures in one full step."),
        integer("fps", "Speed", 10, 4, 24, "Frames per second in the preview."),
        number("bounce", "Bounce", 0.5, 0.0, 1.0, "How much the body bobs up and down.", step=0.05),
    ),
    keywords=kw("walk cycle, walk, walking, stride, run cycle"),
    make=make,
)
