"""Frames, animations and a runner shared by the video limb's tests."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image, ImageSequence

from limbs.parts.video import animate, extract_frames, sprite_sheet
from limbs.spec import GenRequest, GenResult, Make

MAKERS: dict[str, Make] = {
    "animate": animate.make,
    "sprite_sheet": sprite_sheet.make,
    "extract_frames": extract_frames.make,
}


DEFAULTS: dict[str, dict[str, Any]] = {
    "animate": {"motion": "auto", "frames": 12, "fps": 12, "format": "gif"},
    "sprite_sheet": {"columns": 0, "padding": 1},
    "extract_frames": {"max_frames": 60},
}


PARAM = {"animate": "image", "sprite_sheet": "frames", "extract_frames": "animation"}


def run(action: str, data: bytes | None, intent: str = "", seed: int = 1, **params: Any) -> GenResult:
    req = GenRequest(
        intent=intent,
        params={**DEFAULTS[action], **params},
        seed=seed,
        inputs={PARAM[action]: data} if data is not None else {},
    )
    result: GenResult = MAKERS[action](req)
    return result


def encode(im: Image.Image, fmt: str = "PNG", **kw: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def read_frames(data: bytes) -> list[np.ndarray]:
    with Image.open(io.BytesIO(data)) as im:
        return [np.asarray(f.convert("RGBA")).astype(np.int64) for f in ImageSequence.Iterator(im)]


def numbered_frames(count: int, w: int = 20, h: int = 16) -> list[np.ndarray]:
    """Opaque frames with few colours, each visibly different (a bar moving right)."""
    out = []
    for i in range(count):
        arr = np.zeros((h, w, 4), np.uint8)
        arr[..., :3] = (30, 40, 90)
        arr[..., 3] = 255
        arr[4:12, (i * 3) % w : (i * 3) % w + 3] = (250, 200, 40, 255)
        arr[0, i % w] = (255, 0, 0, 255)
        out.append(arr)
    return out


def gif_of(frames: list[np.ndarray], durations: list[int] | int = 60) -> bytes:
    ims = [Image.fromarray(f[..., :3]) for f in frames]
    return encode(ims[0], "GIF", save_all=True, append_images=ims[1:], duration=durations, loop=0)


def webp_of(frames: list[np.ndarray], durations: list[int] | int = 60) -> bytes:
    ims = [Image.fromarray(f) for f in frames]
    return encode(
        ims[0], "WEBP", save_all=True, append_images=ims[1:], duration=durations, loop=0, lossless=True
    )
