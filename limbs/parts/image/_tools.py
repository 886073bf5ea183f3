"""What the picture tools (tile, palette, remove_background, upscale, variation) share.

Seeded randomness and file names from the request, float pixels back to a picture, a fast
colour transform, colour bins with weighted k-means, and periodic noise.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from limbs.craft import words as words
from limbs.spec import GenRequest

Arr = npt.NDArray[Any]


def to_image(arr: Arr) -> Image.Image:
    return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))


def request_rng(req: GenRequest, salt: str) -> np.random.Generator:
    return np.random.default_rng(words.derive_seed(req.seed, req.intent, salt))


def file_stem(req: GenRequest, fallback: str) -> str:
    return words.slug(req.intent, fallback)


def apply_matrix(pixels: Arr, m: Arr) -> Arr:
    """``pixels @ m.T`` over the last axis (size 3), written out: numpy's matmul is slow for 3x3."""
    out: Arr = pixels[..., 0:1] * m[:, 0] + pixels[..., 1:2] * m[:, 1] + pixels[..., 2:3] * m[:, 2]
    return out


def colour_bins(rgb: Arr) -> tuple[Arr, Arr]:
    """Mean colour and pixel count of each occupied 6-bit-per-channel bin."""
    q = rgb.astype(np.int64) >> 2
    ids = (q[:, 0] << 12) | (q[:, 1] << 6) | q[:, 2]
    counts = np.bincount(ids, minlength=1 << 18)
    used = np.nonzero(counts)[0]
    means = (
        np.stack(
            [
                np.bincount(ids, weights=rgb[:, ch].astype(np.float64), minlength=1 << 18)[used]
                for ch in range(3)
            ],
            axis=1,
        )
        / counts[used, None]
    )
    return means, counts[used].astype(np.float64)


def kmeans(
    colours: Arr, weights: Arr, k: int, rng: np.random.Generator, iterations: int = 16
) -> tuple[list[tuple[Arr, float]], Arr]:
    """Weighted k-means with k-means++ seeding; returns (centre, weight) pairs and bin labels."""
    n = len(colours)
    first = int(rng.choice(n, p=weights / weights.sum()))
    centres = [colours[first]]
    d2 = ((colours - centres[0]) ** 2).sum(axis=1)
    while len(centres) < k:
        p = d2 * weights
        if p.sum() <= 0:
            break  # fewer distinct colours than asked for
        pick = int(rng.choice(n, p=p / p.sum()))
        centres.append(colours[pick])
        d2 = np.minimum(d2, ((colours - colours[pick]) ** 2).sum(axis=1))
    c = np.array(centres, dtype=np.float64)
    labels = np.zeros(n, dtype=np.int64)
    for step in range(iterations):
        dist = ((colours[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        new = np.argmin(dist, axis=1)
        if step and np.array_equal(new, labels):
            break
        labels = new
        mass = np.bincount(labels, weights=weights, minlength=len(c))
        for ch in range(3):
            total = np.bincount(labels, weights=weights * colours[:, ch], minlength=len(c))
            c[:, ch] = np.where(mass > 0, total / np.maximum(mass, 1e-12), c[:, ch])
    mass = np.bincount(labels, weights=weights, minlength=len(c))
    return [(c[i], float(mass[i])) for i in range(len(c)) if mass[i] > 0], labels


# Filtering white noise in the frequency domain makes it wrap exactly.
def periodic_noise(
    rng: np.random.Generator,
    size: int,
    cell: float,
    cell_x: float | None = None,
    octaves: int = 1,
) -> Arr:
    """Smooth noise in 0..1 (mean 0.5) that tiles with period ``size`` in both directions.

    ``cell`` is the rough feature size in pixels (``cell_x`` makes it stretched); octaves
    add finer detail at half the size and half the strength each.
    """
    white = rng.standard_normal((size, size))
    spec = np.fft.rfft2(white)
    fy = np.fft.fftfreq(size)[:, None]
    fx = np.fft.rfftfreq(size)[None, :]
    gain = np.zeros(spec.shape, dtype=np.float64)
    sy, sx = cell / 2.0, (cell_x if cell_x is not None else cell) / 2.0
    amp = 1.0
    for _ in range(max(1, octaves)):
        gain += amp * np.exp(-2.0 * math.pi**2 * ((sy * fy) ** 2 + (sx * fx) ** 2))
        sy, sx, amp = sy / 2.0, sx / 2.0, amp * 0.5
    gain[0, 0] = 0.0
    field = np.fft.irfft2(spec * gain, s=(size, size))
    std = float(field.std()) or 1.0
    out: Arr = np.clip(0.5 + field / std * 0.18, 0.0, 1.0).astype(np.float32)
    return out
