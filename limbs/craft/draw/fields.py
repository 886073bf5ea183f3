"""Float fields and masks: a float-precision blur, smooth value noise, connected components."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from PIL import Image

F32 = npt.NDArray[np.float32]


def _box_pass(a: F32, r: int, axis: int) -> F32:
    """One box blur pass of radius r along an axis (zero outside), via cumulative sums."""
    if r < 1:
        return a
    n = a.shape[axis]
    shape = list(a.shape)
    shape[axis] = n + 2 * r + 1
    # Zero-padded by hand: np.pad's Python overhead dominated for the many small parts.
    c = np.zeros(shape, dtype=np.float32)
    if axis == 0:
        c[r + 1 : r + 1 + n] = a
        np.cumsum(c, axis=0, out=c)
        out = c[2 * r + 1 :] - c[:n]
    else:
        c[:, r + 1 : r + 1 + n] = a
        np.cumsum(c, axis=1, out=c)
        out = c[:, 2 * r + 1 :] - c[:, :n]
    out *= np.float32(1.0 / (2 * r + 1))
    return out


def blur_float(a: F32, sigma: float) -> F32:
    """Approximately Gaussian blur in float precision (8-bit blurs shade in visible rings).

    Large radii are blurred on a box-downsampled copy and scaled back bicubically, which
    keeps the cost flat no matter how big the part is.
    """
    h, w = a.shape
    k = max(1, int(sigma / 3))
    small = a
    if k > 1:
        sw, sh = max(1, math.ceil(w / k)), max(1, math.ceil(h / k))
        small = np.asarray(Image.fromarray(a).resize((sw, sh), Image.Resampling.BOX), dtype=np.float32)
    r = max(1, round(sigma / k * 0.9))
    for _ in range(3):
        small = _box_pass(small, r, 0)
        small = _box_pass(small, r, 1)
    if k > 1:
        small = np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC), dtype=np.float32)
    return small


def smooth_noise(rng: np.random.Generator, height: int, width: int, cell: float, octaves: int = 3) -> F32:
    """Value noise in 0..1 from bicubically upscaled random grids, summed over octaves.

    The octaves are summed at a reduced size that still gives the finest one (the faintest)
    about two pixels a cell, and the sum is scaled up once: the noise is that smooth anyway,
    and one full-size resize costs much less than one per octave.
    """
    finest = cell
    for _ in range(max(1, octaves) - 1):
        finest = max(1.0, finest / 2)
    step = max(1, int(finest / 2.0))
    sw, sh = max(1, math.ceil(width / step)), max(1, math.ceil(height / step))
    total = np.zeros((sh, sw), dtype=np.float32)
    amp = 1.0
    norm = 0.0
    for _ in range(max(1, octaves)):
        gw = max(2, math.ceil(width / cell) + 2)
        gh = max(2, math.ceil(height / cell) + 2)
        grid = rng.random((gh, gw), dtype=np.float32)
        img = Image.fromarray(grid).resize((sw, sh), Image.Resampling.BICUBIC)
        total += np.float32(amp) * np.asarray(img, dtype=np.float32)
        norm += amp
        amp *= 0.5
        cell = max(1.0, cell / 2)
    total *= np.float32(1.0 / norm)
    if step > 1:
        total = np.array(
            Image.fromarray(total).resize((width, height), Image.Resampling.BICUBIC), dtype=np.float32
        )
    out: F32 = np.clip(total, 0.0, 1.0, out=total)
    return out


def noise_1d(rng: np.random.Generator, n: int, cells: float, octaves: int = 4) -> F32:
    """Smooth 1D value noise in roughly 0..1 (hill and mountain profiles)."""
    x = np.arange(n, dtype=np.float64)
    total = np.zeros(n, dtype=np.float64)
    amp = 1.0
    norm = 0.0
    freq = cells / max(1, n)
    for _ in range(max(1, octaves)):
        k = math.ceil(n * freq) + 2
        lattice = rng.random(k)
        t = x * freq
        i = np.floor(t).astype(np.int64)
        f = t - i
        f = f * f * (3 - 2 * f)
        total += amp * (lattice[i] * (1 - f) + lattice[i + 1] * f)
        norm += amp
        amp *= 0.5
        freq *= 2.0
    return (total / norm).astype(np.float32)


def components(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """4-connected component labels (-1 where the mask is empty), by min-label propagation.

    Meant for small grids (sprites, mesh cell grids): each pass is one numpy step.
    """
    h, w = mask.shape
    big = np.int64(h * w + 1)
    labels = np.where(mask, np.arange(h * w, dtype=np.int64).reshape(h, w), big)
    while True:
        p = np.pad(labels, 1, constant_values=big)
        best = np.minimum.reduce([labels, p[:-2, 1:-1], p[2:, 1:-1], p[1:-1, :-2], p[1:-1, 2:]])
        best = np.where(mask, best, big)
        if np.array_equal(best, labels):
            return np.where(mask, labels, -1)
        labels = best
