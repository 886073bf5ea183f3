"""Pictures and runners shared by the image limb's tests."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image

from limbs.parts.image import palette, remove_background, tile, upscale, variation
from limbs.spec import GenRequest, GenResult, Make, Tension

MAKERS: dict[str, Make] = {
    "tile": tile.make,
    "palette": palette.make,
    "remove_background": remove_background.make,
    "upscale": upscale.make,
    "variation": variation.make,
}


def pixels(result: GenResult, mode: str = "RGB") -> np.ndarray:
    with Image.open(io.BytesIO(result.outputs[0].data)) as im:
        return np.asarray(im.convert(mode)).astype(np.int64)


DEFAULTS: dict[str, dict[str, Any]] = {
    "tile": {"size": 96, "blend": 0.15},
    "palette": {"colours": 8, "method": "median_cut"},
    "remove_background": {"tolerance": 30, "feather": 1},
    "upscale": {"scale": 2, "method": "auto"},
    "variation": {"amount": 0.3, "count": 4},
}


def run(
    action: str,
    picture: bytes | None = None,
    intent: str = "",
    seed: int = 1,
    tension: Tension = "medium",
    **params: Any,
) -> GenResult:
    req = GenRequest(
        intent=intent,
        params={**DEFAULTS[action], **params},
        seed=seed,
        tension=tension,
        inputs={"image": picture} if picture is not None else {},
    )
    result: GenResult = MAKERS[action](req)
    return result


def encode(arr: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format=fmt)
    return buf.getvalue()


def decode(data: bytes, mode: str = "RGBA") -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert(mode)).astype(np.int64)


def colours_of(arr: np.ndarray) -> set[tuple[int, ...]]:
    return {tuple(int(v) for v in px) for px in arr.reshape(-1, arr.shape[-1])}


def photo(w: int = 120, h: int = 90, seed: int = 0) -> bytes:
    """A smooth, many-coloured picture that does not tile."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.stack([x / w * 200 + 30, y / h * 180 + 40, 160 + 60 * np.sin(x / 9) * np.cos(y / 13)], -1)
    rgb += rng.normal(0, 2.5, rgb.shape)
    return encode(np.clip(rgb, 0, 255).astype(np.uint8))


def three_colours() -> bytes:
    """Exactly 50% red, 30% green and 20% blue."""
    arr = np.zeros((40, 50, 3), np.uint8)
    arr[:, :25] = (220, 30, 40)
    arr[:, 25:40] = (30, 180, 60)
    arr[:, 40:] = (20, 40, 210)
    return encode(arr)


def subject_on_background(bg: tuple[int, int, int] = (235, 240, 250), noise: float = 2.0) -> bytes:
    rng = np.random.default_rng(3)
    arr = np.empty((80, 100, 3), np.float32)
    arr[:] = bg
    arr += rng.normal(0, noise, arr.shape)
    y, x = np.mgrid[0:80, 0:100]
    disc = (x - 50) ** 2 + (y - 40) ** 2 < 25**2
    arr[disc] = (200, 40, 50)
    arr[(np.abs(x - 50) < 4) & (np.abs(y - 40) < 4)] = (250, 250, 250)  # a light eye inside the subject
    return encode(np.clip(arr, 0, 255).astype(np.uint8))
