"""Periodic noise on an n x n tile: value noise, its fractal sum and cellular (Worley) noise.

Everything wraps around, which is what makes a texture built from it tile without a seam.
Randomness comes only from the ``Generator`` passed in.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]


def _smooth(t: F32) -> F32:
    out: F32 = t * t * (3.0 - 2.0 * t)
    return out


def _lerp_axis(grid: F32, n: int, axis: int) -> F32:
    g = grid.shape[axis]
    x = np.arange(n, dtype=np.float32) * (g / n)
    i0 = np.floor(x).astype(np.int64)
    f = _smooth(x - i0)
    a = np.take(grid, i0 % g, axis=axis)
    b = np.take(grid, (i0 + 1) % g, axis=axis)
    shape = [1, 1]
    shape[axis] = n
    out: F32 = a + (b - a) * f.reshape(shape)
    return out


def value_noise(rng: np.random.Generator, n: int, cells: int, stretch: tuple[int, int] = (1, 1)) -> F32:
    """Periodic value noise on an n x n tile; ``stretch`` gives more cells along (y, x)."""
    gy, gx = max(1, cells * stretch[0]), max(1, cells * stretch[1])
    grid = rng.random((gy, gx), dtype=np.float32)
    return _lerp_axis(_lerp_axis(grid, n, 1), n, 0)


def fbm(
    rng: np.random.Generator,
    n: int,
    cells: int,
    octaves: int,
    gain: float = 0.5,
    stretch: tuple[int, int] = (1, 1),
) -> F32:
    """Fractal sum of periodic value noise, normalised to 0..1."""
    total = np.zeros((n, n), dtype=np.float32)
    amp = 1.0
    for _ in range(octaves):
        if cells * max(stretch) > n:
            break
        total += amp * (value_noise(rng, n, cells, stretch) - 0.5)
        amp *= gain
        cells *= 2
    return normalise(total)


def worley(
    rng: np.random.Generator, n: int, cells: int, jitter: float = 0.9
) -> tuple[F32, F32, npt.NDArray[np.int32]]:
    """Periodic cellular noise: distance to the nearest and second point, and the cell id."""
    pts = (0.5 + (rng.random((cells, cells, 2)) - 0.5) * jitter).astype(np.float32)
    coord = (np.arange(n, dtype=np.float32) + 0.5) * (cells / n)
    cell = np.floor(coord).astype(np.int64)
    frac = coord - cell
    f1 = np.full((n, n), 9.0, dtype=np.float32)
    f2 = f1.copy()
    ids = np.zeros((n, n), dtype=np.int32)
    for oy in (-1, 0, 1):
        ry = (cell + oy) % cells  # wrapping the neighbour index is what makes it tile
        rows = pts[ry]
        for ox in (-1, 0, 1):
            rx = (cell + ox) % cells
            p = rows[:, rx]
            ddy = (oy + p[..., 0]) - frac[:, None]
            ddx = (ox + p[..., 1]) - frac[None, :]
            d = np.sqrt(ddy * ddy + ddx * ddx)
            closer = d < f1
            np.minimum(f2, d, out=f2)
            np.copyto(f2, f1, where=closer)
            np.copyto(ids, (ry[:, None] * cells + rx[None, :]).astype(np.int32), where=closer)
            np.minimum(f1, d, out=f1)
    return f1, f2, ids


def normalise(a: F32) -> F32:
    """The field stretched to span 0..1 (a flat field becomes all zeros)."""
    lo, hi = float(a.min()), float(a.max())
    out: F32 = ((a - lo) / (hi - lo if hi > lo else 1.0)).astype(np.float32)
    return out
