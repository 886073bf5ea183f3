"""Point lists to draw with: ellipses, arcs, Bezier curves, tubes, bands and wobbly blobs."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Point = tuple[float, float]


def ellipse_points(x: float, y: float, rx: float, ry: float, angle: float = 0.0, n: int = 40) -> list[Point]:
    a = math.radians(angle)
    ca, sa = math.cos(a), math.sin(a)
    pts: list[Point] = []
    for i in range(n):
        t = 2 * math.pi * i / n
        ex, ey = rx * math.cos(t), ry * math.sin(t)
        pts.append((x + ex * ca - ey * sa, y + ex * sa + ey * ca))
    return pts


def arc_points(x: float, y: float, r: float, start: float, end: float, n: int = 16) -> list[Point]:
    """Points on a circle arc, angles in degrees counter-clockwise with y up."""
    return [
        (
            x + r * math.cos(math.radians(start + (end - start) * i / (n - 1))),
            y + r * math.sin(math.radians(start + (end - start) * i / (n - 1))),
        )
        for i in range(n)
    ]


def bezier(p0: Point, p1: Point, p2: Point, n: int = 16, p3: Point | None = None) -> list[Point]:
    """Quadratic (or cubic, when p3 is given) Bezier curve points."""
    pts: list[Point] = []
    for i in range(n):
        t = i / (n - 1)
        u = 1 - t
        if p3 is None:
            pts.append(
                (
                    u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0],
                    u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1],
                )
            )
        else:
            pts.append(
                (
                    u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                    u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
                )
            )
    return pts


def tube_outline(pts: Sequence[Point], widths: Sequence[float] | float) -> list[Point]:
    """The outline polygon of a stroke whose width varies along the path (tails, necks, horns)."""
    n = len(pts)
    ws = [float(widths)] * n if isinstance(widths, int | float) else _resample(list(widths), n)
    left: list[Point] = []
    right: list[Point] = []
    for i, (x, y) in enumerate(pts):
        ax, ay = pts[max(0, i - 1)]
        bx, by = pts[min(n - 1, i + 1)]
        tx, ty = bx - ax, by - ay
        norm = math.hypot(tx, ty) or 1.0
        nx, ny = -ty / norm, tx / norm
        h = ws[i] / 2
        left.append((x + nx * h, y + ny * h))
        right.append((x - nx * h, y - ny * h))
    # Round the blunt start so limbs look attached rather than cut off.
    sx, sy = pts[0]
    cap: list[Point] = []
    if ws[0] > 0 and n > 1:
        bx, by = pts[1]
        ang = math.atan2(by - sy, bx - sx)
        for k in range(1, 8):
            t = ang + math.pi / 2 + math.pi * k / 8
            cap.append((sx + math.cos(t) * ws[0] / 2, sy + math.sin(t) * ws[0] / 2))
    return left + right[::-1] + cap


def _resample(values: list[float], n: int) -> list[float]:
    if len(values) == n:
        return values
    if len(values) == 1:
        return values * n
    out: list[float] = []
    for i in range(n):
        t = i / (n - 1) * (len(values) - 1)
        j = min(int(t), len(values) - 2)
        f = t - j
        out.append(values[j] * (1 - f) + values[j + 1] * f)
    return out


def ellipse_band(
    x: float, y: float, rx: float, ry: float, lo: float, hi: float, axis: str = "x"
) -> list[Point]:
    """The part of an ellipse between two lines (stripes and bellies that never poke out)."""
    c, r, other_c, other_r = (x, rx, y, ry) if axis == "x" else (y, ry, x, rx)
    lo, hi = max(lo, c - r), min(hi, c + r)
    if hi <= lo:
        return []
    steps = 14
    ts = [lo + (hi - lo) * i / (steps - 1) for i in range(steps)]
    spans = [other_r * math.sqrt(max(0.0, 1 - ((t - c) / r) ** 2)) for t in ts]
    first = [(t, other_c + s) for t, s in zip(ts, spans, strict=True)]
    second = [(t, other_c - s) for t, s in zip(ts[::-1], spans[::-1], strict=True)]
    pts = first + second
    return pts if axis == "x" else [(b, a) for a, b in pts]


def wobbly_blob(
    x: float, y: float, rx: float, ry: float, rng: np.random.Generator, bumps: int, depth: float
) -> list[Point]:
    """An ellipse whose edge bulges in soft bumps (fur, foliage, clouds)."""
    phase = float(rng.uniform(0, 2 * math.pi))
    pts: list[Point] = []
    n = 72
    for i in range(n):
        t = 2 * math.pi * i / n
        k = 1 + depth * abs(math.sin(bumps * t / 2 + phase))
        pts.append((x + rx * k * math.cos(t), y + ry * k * math.sin(t)))
    return pts
