"""Animals and creatures. Each draws in unit space (feet at y=0, about one unit tall, facing +x)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from limbs.craft.draw.curves import Point, arc_points, bezier, ellipse_band, wobbly_blob
from limbs.craft.draw.look import BLUSH, INK, WHITE, Look, flame, lighten
from limbs.craft.draw.pen import Pen
from limbs.craft.words import RGB, mix, scale, word_hash


def _blush(pen: Pen, x: float, y: float, r: float) -> None:
    pen.ellipse(x, y, r, r * 0.6, BLUSH, outline=False, shade=0.0, opacity=0.55)


def _bat_wing(root_a: Point, root_b: Point, tip: Point, fingers: Sequence[Point]) -> list[Point]:
    pts = bezier(root_b, ((root_b[0] + tip[0]) / 2 + 0.02, (root_b[1] + tip[1]) / 2 + 0.06), tip, 10)
    prev = tip
    for f in [*fingers, root_a]:
        mid = ((prev[0] + f[0]) / 2, (prev[1] + f[1]) / 2)
        pull = (mid[0] + (root_b[0] - mid[0]) * 0.25, mid[1] + (root_b[1] - mid[1]) * 0.25)
        pts += bezier(prev, pull, f, 8)[1:]
        prev = f
    return pts


def _feather_wing(pen: Pen, root: Point, colour: RGB) -> None:
    """A bird-like wing raised behind the back: long feathers fanning out, coverts on top."""
    rx, ry = root
    for k in range(6):
        angle = 100 + k * 13
        a = math.radians(angle)
        length = 0.36 - k * 0.03
        cx, cy = rx + math.cos(a) * length * 0.55, ry + math.sin(a) * length * 0.55
        pen.ellipse(cx, cy, length * 0.5, 0.045, scale(colour, 0.92 + 0.015 * k), angle=angle, gloss=0.05)
    pen.ellipse(rx - 0.05, ry + 0.12, 0.1, 0.14, colour, angle=-20, gloss=0.1)


def dragon(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    main = look.main
    belly = lighten(main, 0.6)
    wing = look.accent
    far = scale(main, 0.72)
    horn = (248, 234, 204)
    dino = look.variant == "dino"
    # Far-side legs first so the body overlaps them.
    pen.tube([(-0.19, 0.22), (-0.21, 0.1), (-0.2, 0.03)], [0.09, 0.075, 0.07], far)
    pen.tube([(0.08, 0.22), (0.1, 0.1), (0.11, 0.03)], [0.075, 0.065, 0.06], far)
    pen.ellipse(-0.17, 0.025, 0.065, 0.032, far)
    pen.ellipse(0.13, 0.025, 0.06, 0.03, far)
    curl = float(rng.uniform(-0.06, 0.08))
    tail = bezier((-0.2, 0.3), (-0.52, 0.12 + curl), (-0.46, 0.46 + curl), 22)
    if not dino:
        tx, ty = tail[-1]
        pen.poly(
            [(tx - 0.05, ty - 0.02), (tx + 0.0, ty + 0.09), (tx + 0.06, ty - 0.01), (tx, ty - 0.03)], wing
        )
    pen.tube(tail, [0.15, 0.1, 0.05, 0.012], main)
    if not dino:
        back = _bat_wing((-0.14, 0.38), (0.04, 0.44), (-0.2, 0.98), [(-0.3, 0.8), (-0.36, 0.6)])
        pen.poly(back, scale(wing, 0.78), gloss=0.05)
    # Spikes along the back and neck.
    spikes = [(-0.26, 0.41), (-0.16, 0.46), (-0.05, 0.48), (0.06, 0.47), (0.15, 0.54), (0.2, 0.64)]
    for x, y in spikes:
        pen.poly([(x - 0.04, y - 0.03), (x - 0.01, y + 0.07), (x + 0.04, y - 0.03)], wing, shade=0.5)
    pen.ellipse(-0.04, 0.31, 0.27, 0.17, main)
    pen.poly(
        [*ellipse_band(0.0, 0.31, 0.22, 0.14, 0.16, 0.31, axis="y")[::-1]], belly, outline=False, shade=0.4
    )
    for i in range(4):
        yy = 0.2 + i * 0.04
        pen.line([(-0.12 + i * 0.01, yy), (0.12 - i * 0.01, yy)], 0.006, scale(belly, 0.8), opacity=0.6)
    pen.tube([(0.1, 0.36), (0.2, 0.5), (0.25, 0.62)], [0.18, 0.14, 0.12], main)
    hx, hy = (0.27, 0.68) if not dino else (0.28, 0.66)
    head_r = 0.125 if not dino else 0.15
    pen.part([pen.oval(hx, hy, head_r, head_r * 0.82), pen.oval(hx + 0.11, hy - 0.04, 0.11, 0.07)], main)
    pen.ellipse(hx + 0.12, hy - 0.075, 0.08, 0.03, belly, outline=False, shade=0.3)
    if not dino:
        pen.tube(
            [(hx - 0.05, hy + 0.07), (hx - 0.1, hy + 0.15), (hx - 0.16, hy + 0.19)], [0.045, 0.028, 0.0], horn
        )
        pen.tube(
            [(hx + 0.0, hy + 0.09), (hx - 0.02, hy + 0.18), (hx - 0.07, hy + 0.23)], [0.045, 0.028, 0.0], horn
        )
        front = _bat_wing((-0.06, 0.36), (0.1, 0.42), (-0.06, 1.0), [(-0.16, 0.86), (-0.2, 0.66)])
        pen.poly(front, wing, gloss=0.1)
        for fx, fy in ((-0.16, 0.86), (-0.2, 0.66)):
            pen.line([(0.08, 0.44), (fx, fy)], 0.012, scale(wing, 0.7), opacity=0.8)
    else:
        pen.tube([(0.12, 0.38), (0.2, 0.34), (0.25, 0.28)], [0.05, 0.04, 0.03], main)
    # Near legs: a round haunch, a short shin and a chunky foot with claws.
    for lx, thigh in ((-0.13, 0.11), (0.13, 0.075)):
        pen.tube([(lx, 0.16), (lx + 0.02, 0.04)], [0.085, 0.075], main)
        pen.ellipse(lx + 0.045, 0.035, 0.075, 0.038, main)
        for k in range(3):
            pen.circle(lx + 0.07 + k * 0.025 - 0.025, 0.008, 0.013, horn, outline=False, shade=0.3)
        pen.ellipse(lx - 0.01, 0.22, thigh, thigh * 1.15, main, angle=-15)
    pen.eye(hx + 0.01, hy + 0.035, 0.048, look=(0.3, 0.05))
    pen.ellipse(hx + 0.185, hy - 0.01, 0.014, 0.01, INK, outline=False, shade=0.0)
    pen.smile(hx + 0.1, hy - 0.03, 0.06, 0.01)
    _blush(pen, hx + 0.06, hy - 0.02, 0.03)
    if look.fire:
        flame(pen, hx + 0.22, hy - 0.05, 0.32, -8, 0.1)


def cat(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    fur = look.main
    light = lighten(fur, 0.65)
    variant = look.variant
    dark = scale(fur, 0.55)
    tail = bezier((0.16, 0.06), (0.46, 0.08), (0.36, 0.4), 16)
    pen.tube(tail, [0.075, 0.065, 0.055], fur)
    if variant == "lion":
        tx, ty = tail[-1]
        pen.circle(tx, ty + 0.02, 0.045, look.accent)
    pen.ellipse(0.0, 0.22, 0.22, 0.23, fur)
    pen.ellipse(0.0, 0.19, 0.12, 0.15, light, outline=False, shade=0.4)
    if variant == "lion":
        mane = wobbly_blob(0.0, 0.56, 0.3, 0.27, rng, 12, 0.1)
        pen.poly(mane, look.accent, gloss=0.05)
    for x in (-0.1, 0.1):
        pen.ellipse(x, 0.035, 0.075, 0.045, light)
    for side in (-1, 1):
        pen.poly([(side * 0.21, 0.62), (side * 0.17, 0.84), (side * 0.05, 0.72)], fur)
        pen.poly(
            [(side * 0.18, 0.66), (side * 0.16, 0.78), (side * 0.09, 0.71)],
            (250, 170, 180),
            outline=False,
            shade=0.2,
        )
    pen.ellipse(0.0, 0.56, 0.22, 0.19, fur)
    if variant in ("tiger", "stripes"):
        for side in (-1, 1):
            for k in range(3):
                y = 0.28 + k * 0.08
                pen.tube(
                    [(side * 0.22, y), (side * 0.13, y + 0.01)], [0.03, 0.0], dark, outline=False, shade=0.0
                )
            pen.tube([(side * 0.21, 0.56), (side * 0.13, 0.58)], [0.025, 0.0], dark, outline=False, shade=0.0)
        for dx in (-0.04, 0.0, 0.04):
            pen.tube([(dx, 0.74), (dx * 0.6, 0.67)], [0.022, 0.0], dark, outline=False, shade=0.0)
    if variant == "spots":
        for _ in range(9):
            pen.circle(
                float(rng.uniform(-0.16, 0.16)), float(rng.uniform(0.12, 0.36)), 0.02, dark, outline=False
            )
    for x in (-0.05, 0.05):
        pen.ellipse(x, 0.49, 0.055, 0.045, light, outline=False, shade=0.3)
    pen.eye(-0.085, 0.6, 0.05, look=(0.15, -0.05))
    pen.eye(0.085, 0.6, 0.05, look=(0.15, -0.05))
    pen.poly([(-0.025, 0.53), (0.025, 0.53), (0.0, 0.505)], (240, 120, 140), outline=False, shade=0.2)
    pen.line(arc_points(-0.022, 0.5, 0.022, 200, 340, 8), 0.008, INK)
    pen.line(arc_points(0.022, 0.5, 0.022, 200, 340, 8), 0.008, INK)
    for side in (-1, 1):
        for k in (-1, 0, 1):
            pen.line(
                [(side * 0.08, 0.5 + k * 0.015), (side * 0.25, 0.51 + k * 0.04)], 0.006, INK, opacity=0.7
            )
    _blush(pen, -0.14, 0.52, 0.035)
    _blush(pen, 0.14, 0.52, 0.035)


def dog(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    fur = look.main
    light = lighten(fur, 0.65)
    variant = look.variant
    pointy = variant in ("fox", "wolf")
    far = scale(fur, 0.75)
    pen.tube([(0.1, 0.25), (0.12, 0.03)], [0.08, 0.07], far)
    pen.tube([(-0.2, 0.25), (-0.18, 0.03)], [0.08, 0.07], far)
    if variant == "fox":
        tail = bezier((-0.26, 0.32), (-0.5, 0.3), (-0.46, 0.56), 14)
        pen.tube(tail, [0.08, 0.15, 0.06], fur)
        pen.circle(tail[-1][0], tail[-1][1], 0.05, WHITE)
    else:
        pen.tube(bezier((-0.26, 0.34), (-0.4, 0.42), (-0.36, 0.58), 12), [0.06, 0.045, 0.03], fur)
    pen.ellipse(-0.05, 0.32, 0.26, 0.14, fur)
    pen.ellipse(0.08, 0.3, 0.12, 0.1, light, outline=False, shade=0.3)
    for lx in (0.13, -0.16):
        pen.tube([(lx, 0.26), (lx + 0.01, 0.04)], [0.085, 0.075], fur)
        pen.ellipse(lx + 0.025, 0.03, 0.055, 0.03, light)
    pen.tube([(0.16, 0.4), (0.2, 0.52)], [0.14, 0.12], fur)
    pen.tube(arc_points(0.18, 0.52, 0.1, 240, 320, 8), 0.035, look.accent)
    pen.circle(0.2, 0.41, 0.025, (250, 206, 70), gloss=0.4)
    if pointy:
        for dx in (-0.05, 0.06):
            pen.poly([(0.15 + dx, 0.64), (0.17 + dx, 0.8), (0.23 + dx, 0.66)], fur)
    pen.circle(0.2, 0.56, 0.14, fur)
    snout_r = 0.09 if not pointy else 0.1
    pen.ellipse(0.32, 0.51, snout_r, 0.06, light)
    pen.ellipse(0.405, 0.535, 0.03, 0.024, INK, gloss=0.5)
    pen.ellipse(0.35, 0.455, 0.028, 0.035, (240, 110, 130), shade=0.3)
    pen.smile(0.33, 0.5, 0.04, 0.008)
    if not pointy:
        pen.ellipse(0.11, 0.53, 0.05, 0.11, scale(fur, 0.6), angle=-20)
    pen.eye(0.24, 0.6, 0.04, look=(0.3, 0.05))
    _blush(pen, 0.27, 0.52, 0.025)


def fish(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    body = look.main
    fin = look.accent
    shark = look.variant == "shark"
    cy = 0.32
    pen.poly([(-0.26, cy), (-0.46, cy + 0.17), (-0.4, cy), (-0.46, cy - 0.17)], fin)
    if shark:
        pen.poly([(-0.08, cy + 0.15), (0.0, cy + 0.34), (0.08, cy + 0.16)], body)
    else:
        pen.poly(bezier((-0.16, cy + 0.16), (-0.02, cy + 0.34), (0.12, cy + 0.17), 12), fin)
    pen.ellipse(0.0, cy, 0.3, 0.19 if not shark else 0.15, body)
    if shark:
        pen.poly(
            ellipse_band(0.0, cy, 0.27, 0.13, cy - 0.13, cy - 0.03, axis="y"), WHITE, outline=False, shade=0.3
        )
    else:
        for x0 in (-0.14, 0.06):
            pen.poly(ellipse_band(0.0, cy, 0.28, 0.175, x0, x0 + 0.06), look.extra, outline=False, shade=0.4)
    pen.ellipse(-0.02, cy - 0.03, 0.07, 0.03, mix(fin, WHITE, 0.25), angle=20, shade=0.5)
    pen.eye(0.16, cy + 0.05, 0.055, look=(0.35, 0.0))
    if shark:
        pen.line(arc_points(0.2, cy - 0.01, 0.06, 210, 330, 10), 0.012, INK)
        for k in range(3):
            x = 0.16 + k * 0.025
            pen.poly([(x, cy - 0.045), (x + 0.012, cy - 0.07), (x + 0.024, cy - 0.045)], WHITE, outline=False)
    else:
        pen.smile(0.25, cy - 0.02, 0.04, 0.01)
        _blush(pen, 0.18, cy - 0.03, 0.025)


def whale(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    body = look.main
    belly = lighten(body, 0.7)
    cy = 0.3
    tail = bezier((-0.3, cy + 0.02), (-0.45, cy + 0.05), (-0.52, cy + 0.2), 12)
    pen.tube(tail, [0.18, 0.09, 0.05], body)
    tx, ty = tail[-1]
    pen.part(
        [pen.oval(tx - 0.07, ty + 0.04, 0.09, 0.04, 25), pen.oval(tx + 0.06, ty + 0.05, 0.09, 0.04, -30)],
        body,
    )
    pen.ellipse(0.02, cy, 0.38, 0.22, body)
    pen.poly(
        ellipse_band(0.02, cy, 0.36, 0.2, cy - 0.2, cy - 0.07, axis="y"), belly, outline=False, shade=0.35
    )
    for k in range(4):
        y = cy - 0.1 - k * 0.025
        pen.line([(-0.12 + k * 0.04, y), (0.28 - k * 0.03, y)], 0.006, scale(belly, 0.8), opacity=0.7)
    pen.ellipse(-0.02, cy - 0.12, 0.1, 0.04, scale(body, 0.85), angle=-30)
    if look.variant == "dolphin":
        pen.poly([(-0.1, cy + 0.18), (-0.02, cy + 0.34), (0.06, cy + 0.2)], body)
    pen.eye(0.24, cy + 0.03, 0.04, look=(0.3, 0.0))
    pen.line(arc_points(0.3, cy + 0.02, 0.08, 215, 320, 10), 0.01, INK)
    _blush(pen, 0.27, cy - 0.04, 0.03)


def unicorn(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    coat = look.main
    horse = look.variant == "horse"
    hair: tuple[RGB, ...] = (
        (scale(coat, 0.45), scale(coat, 0.55))
        if horse and look.variant != "rainbow"
        else ((240, 90, 150), (250, 170, 60), (120, 200, 240), (170, 120, 230))
    )
    far = scale(coat, 0.8)
    for x in (0.08, -0.22):
        pen.tube([(x, 0.36), (x - 0.02, 0.2), (x + 0.02, 0.05)], [0.075, 0.055, 0.05], far)
    for i, c in enumerate(hair):
        root = (-0.27, 0.47 - i * 0.015)
        pts = bezier(
            root,
            (-0.42, 0.5 - i * 0.02),
            (-0.32 - i * 0.03, 0.28),
            14,
            p3=(-0.42 - i * 0.035, 0.1 + i * 0.02),
        )
        pen.tube(pts, [0.05, 0.045, 0.0], c)
    if look.wings:
        _feather_wing(pen, (-0.04, 0.5), WHITE)
    pen.ellipse(-0.04, 0.42, 0.27, 0.14, coat)
    pen.part([pen.limb([(0.14, 0.45), (0.22, 0.6), (0.26, 0.7)], [0.16, 0.12, 0.1])], coat)
    pen.ellipse(0.31, 0.69, 0.13, 0.075, coat, angle=-35)
    pen.ellipse(0.39, 0.62, 0.055, 0.05, mix(coat, (250, 190, 200), 0.5))
    pen.poly([(0.22, 0.76), (0.22, 0.86), (0.28, 0.79)], coat)
    if not horse:
        horn = [(0.27, 0.8), (0.35, 0.99), (0.31, 0.78)]
        pen.poly(horn, (246, 206, 80), gloss=0.5)
        for k in range(3):
            t = 0.25 + k * 0.22
            pen.line(
                [(0.27 + 0.04 * t, 0.8 + 0.19 * t - 0.01), (0.31 + 0.04 * t - 0.01, 0.79 + 0.19 * t)],
                0.007,
                (200, 150, 50),
            )
    # Mane: wavy tapered locks from the poll down the crest of the neck.
    for i in range(6):
        t = i / 5
        root = (0.25 - 0.17 * t, 0.8 - 0.26 * t)
        sway = 0.05 + 0.02 * (i % 2)
        tip = (root[0] - 0.1 - 0.02 * t, root[1] - 0.12)
        pts = bezier(root, (root[0] - sway, root[1] + 0.03), (root[0] - 0.02, root[1] - 0.08), 12, p3=tip)
        pen.tube(pts, [0.05, 0.04, 0.0], hair[i % len(hair)])
    for x in (0.14, -0.18):
        pen.tube([(x, 0.38), (x + 0.03, 0.2), (x + 0.01, 0.05)], [0.085, 0.06, 0.055], coat)
        pen.rrect(x - 0.035, 0.0, x + 0.05, 0.05, 0.01, (246, 206, 80) if not horse else (90, 70, 60))
    pen.eye(0.3, 0.72, 0.035, look=(0.3, 0.0))
    pen.line([(0.28, 0.75), (0.265, 0.775)], 0.007, INK)
    _blush(pen, 0.34, 0.67, 0.025)


def bird(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    plume = look.main
    belly = lighten(plume, 0.6)
    beak = (250, 168, 40)
    variant = look.variant
    if variant == "owl":
        pen.ellipse(0.0, 0.4, 0.22, 0.28, plume)
        pen.ellipse(0.0, 0.34, 0.14, 0.19, belly, outline=False, shade=0.4)
        for side in (-1, 1):
            pen.poly([(side * 0.17, 0.58), (side * 0.2, 0.74), (side * 0.08, 0.64)], plume)
            pen.ellipse(side * 0.2, 0.38, 0.06, 0.16, scale(plume, 0.8), angle=side * 10)
            pen.circle(side * 0.085, 0.55, 0.075, lighten(plume, 0.8))
            pen.eye(side * 0.085, 0.55, 0.055, look=(0.0, 0.0))
        pen.poly([(-0.03, 0.49), (0.03, 0.49), (0.0, 0.43)], beak)
        for side in (-1, 1):
            pen.line([(side * 0.06, 0.12), (side * 0.06, 0.06)], 0.02, beak)
        return
    if variant == "penguin":
        pen.ellipse(0.0, 0.36, 0.2, 0.32, (44, 46, 64))
        pen.ellipse(0.0, 0.32, 0.14, 0.25, WHITE, outline=False, shade=0.4)
        for side in (-1, 1):
            pen.ellipse(side * 0.21, 0.36, 0.05, 0.15, (44, 46, 64), angle=side * 20)
            pen.ellipse(side * 0.07, 0.03, 0.07, 0.03, beak)
            pen.eye(side * 0.06, 0.56, 0.04, look=(0.0, 0.0))
        pen.poly([(-0.035, 0.5), (0.035, 0.5), (0.0, 0.44)], beak)
        return
    tail_c = scale(plume, 0.8)
    for ang in (150, 165, 180):
        pen.ellipse(-0.3, 0.48 + (ang - 165) / 600, 0.12, 0.04, tail_c, angle=ang - 180)
    if variant == "phoenix" or look.fire:
        for ang, ln in ((170, 0.3), (185, 0.36), (200, 0.28)):
            flame(pen, -0.28, 0.48, ln, ang, 0.07)
    pen.ellipse(-0.04, 0.62, 0.19, 0.08, scale(plume, 0.75), angle=55)
    pen.ellipse(0.0, 0.46, 0.22, 0.17, plume)
    pen.poly(
        ellipse_band(0.0, 0.46, 0.2, 0.15, 0.3, 0.44, axis="y"),
        look.extra if variant == "robin" else belly,
        outline=False,
        shade=0.4,
    )
    pen.circle(0.18, 0.6, 0.13, plume if variant != "eagle" else WHITE)
    if variant == "chicken":
        for k in range(3):
            pen.circle(0.14 + k * 0.04, 0.73 + (k % 2) * 0.015, 0.028, (230, 50, 50))
    pen.poly(
        [(0.28, 0.63), (0.42, 0.58), (0.28, 0.54)]
        if variant != "duck"
        else [(0.27, 0.62), (0.43, 0.6), (0.42, 0.55), (0.27, 0.54)],
        beak,
    )
    pen.eye(0.21, 0.63, 0.045, look=(0.3, 0.05))
    _blush(pen, 0.24, 0.56, 0.025)
    pen.ellipse(-0.02, 0.54, 0.2, 0.075, look.accent, angle=28)
    for leg in (-0.05, 0.05):
        pen.line([(leg, 0.3), (leg + 0.02, 0.22)], 0.014, beak)


def monster(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    fur = look.main
    belly = lighten(fur, 0.55)
    horn = look.accent
    for x in (-0.13, 0.13):
        pen.ellipse(x, 0.04, 0.09, 0.05, scale(fur, 0.7))
    for side in (-1, 1):
        pen.tube([(side * 0.26, 0.38), (side * 0.38, 0.5), (side * 0.4, 0.62)], [0.09, 0.07, 0.06], fur)
    if look.variant != "alien":
        for side in (-1, 1):
            pen.tube(
                bezier((side * 0.14, 0.7), (side * 0.24, 0.82), (side * 0.18, 0.94), 10),
                [0.08, 0.05, 0.0],
                horn,
            )
    else:
        for side in (-1, 1):
            pen.line([(side * 0.08, 0.7), (side * 0.16, 0.92)], 0.012, scale(fur, 0.6))
            pen.circle(side * 0.16, 0.93, 0.035, horn)
    body = wobbly_blob(0.0, 0.4, 0.3, 0.33, rng, 14, 0.05)
    pen.poly(body, fur)
    pen.ellipse(0.0, 0.3, 0.18, 0.18, belly, outline=False, shade=0.4)
    for _ in range(5):
        a = rng.uniform(0, 2 * math.pi)
        pen.circle(
            0.22 * math.cos(a), 0.42 + 0.25 * math.sin(a), 0.025, scale(fur, 0.8), outline=False, shade=0.0
        )
    eyes = 3 if look.variant == "alien" else 1 + int(rng.integers(0, 2))
    if eyes == 1:
        pen.eye(0.0, 0.56, 0.1, look=(0.0, -0.1))
    else:
        for i in range(eyes):
            x = (i - (eyes - 1) / 2) * 0.12
            pen.eye(x, 0.56 + (0.03 if eyes == 3 and i == 1 else 0.0), 0.055, look=(0.0, -0.1))
    mouth = ellipse_band(0.0, 0.4, 0.13, 0.09, 0.31, 0.4, axis="y")
    pen.poly(mouth, (90, 30, 50), shade=0.2)
    for side in (-1, 1):
        pen.poly(
            [(side * 0.07, 0.4), (side * 0.03, 0.4), (side * 0.05, 0.35)], WHITE, outline=False, shade=0.0
        )
    _blush(pen, -0.17, 0.45, 0.035)
    _blush(pen, 0.17, 0.45, 0.035)


def ghost(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    sheet = look.main
    pts = arc_points(0.0, 0.55, 0.24, 0, 180, 20)
    pts += [(-0.26, 0.22)]
    for i in range(5):
        x0 = -0.26 + i * 0.104
        pts += bezier((x0, 0.22), (x0 + 0.052, 0.08 + (0.04 if i % 2 else 0.0)), (x0 + 0.104, 0.22), 6)[1:]
    pen.poly(pts, sheet, opacity=0.92, gloss=0.2)
    for side in (-1, 1):
        pen.ellipse(side * 0.27, 0.42, 0.06, 0.035, sheet, angle=side * 30, opacity=0.92)
        pen.ellipse(side * 0.08, 0.55, 0.035, 0.05, INK, outline=False, shade=0.0)
        pen.circle(side * 0.08 + 0.012, 0.57, 0.012, WHITE, outline=False, shade=0.0)
    pen.ellipse(0.0, 0.44, 0.03, 0.04, INK, outline=False, shade=0.0)
    _blush(pen, -0.15, 0.48, 0.03)
    _blush(pen, 0.15, 0.48, 0.03)


def creature(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    """A friendly made-up animal; its body plan comes from the word's own hash (see ``variant``)."""
    plan = np.random.default_rng(word_hash(look.variant or "creature"))
    fur = look.main
    belly = lighten(fur, 0.6)
    aspect = float(plan.uniform(0.75, 1.3))
    rx, ry = 0.26 * math.sqrt(aspect), 0.26 / math.sqrt(aspect)
    cy = 0.12 + ry
    legs = int(plan.integers(0, 3))
    ears = ("round", "pointy", "antennae", "horns", "none")[int(plan.integers(0, 5))]
    eyes = (1, 2, 2, 2, 3)[int(plan.integers(0, 5))]
    pattern = ("spots", "stripes", "belly", "belly")[int(plan.integers(0, 4))]
    tail = bool(plan.integers(0, 2))
    if tail:
        pen.tube(
            bezier((-rx * 0.8, cy - ry * 0.3), (-rx - 0.2, cy), (-rx - 0.12, cy + 0.2), 14),
            [0.07, 0.05, 0.03],
            fur,
        )
        pen.circle(-rx - 0.12, cy + 0.21, 0.05, look.accent)
    leg_xs = [(-0.12, 0.12), (-0.16, -0.05, 0.06, 0.17), (-0.1, 0.1)][legs]
    for x in leg_xs:
        pen.tube([(x * rx / 0.26, cy - ry * 0.5), (x * rx / 0.26, 0.03)], [0.08, 0.07], scale(fur, 0.85))
        pen.ellipse(x * rx / 0.26 + 0.015, 0.025, 0.055, 0.03, scale(fur, 0.85))
    top = cy + ry
    if ears == "round":
        for side in (-1, 1):
            pen.circle(side * rx * 0.55, top - 0.02, 0.075, fur)
            pen.circle(side * rx * 0.55, top - 0.02, 0.04, BLUSH, outline=False, shade=0.2)
    elif ears == "pointy":
        for side in (-1, 1):
            pen.poly(
                [
                    (side * rx * 0.3, top - 0.05),
                    (side * rx * 0.75, top + 0.14),
                    (side * rx * 0.85, top - 0.1),
                ],
                fur,
            )
    elif ears == "antennae":
        for side in (-1, 1):
            pen.line([(side * 0.05, top - 0.02), (side * 0.14, top + 0.14)], 0.012, scale(fur, 0.6))
            pen.circle(side * 0.14, top + 0.15, 0.035, look.accent)
    elif ears == "horns":
        for side in (-1, 1):
            pen.tube(
                bezier(
                    (side * rx * 0.45, top - 0.04),
                    (side * rx * 0.8, top + 0.06),
                    (side * rx * 0.6, top + 0.15),
                    10,
                ),
                [0.06, 0.0],
                look.accent,
            )
    pen.poly(wobbly_blob(0.0, cy, rx, ry, rng, 10, 0.03), fur)
    if pattern == "belly":
        pen.ellipse(0.0, cy - ry * 0.3, rx * 0.6, ry * 0.55, belly, outline=False, shade=0.4)
    elif pattern == "spots":
        for _ in range(6):
            a = rng.uniform(0, 2 * math.pi)
            pen.circle(
                rx * 0.7 * math.cos(a),
                cy + ry * 0.7 * math.sin(a),
                0.03,
                look.accent,
                outline=False,
                shade=0.3,
            )
    else:
        for k in (-1, 0, 1):
            pen.poly(
                ellipse_band(0.0, cy, rx * 0.98, ry * 0.98, k * rx * 0.4 - 0.025, k * rx * 0.4 + 0.025),
                scale(fur, 0.78),
                outline=False,
                shade=0.0,
            )
    ey = cy + ry * 0.3
    for i in range(eyes):
        x = (i - (eyes - 1) / 2) * 0.13
        pen.eye(
            x, ey + (0.02 if eyes == 3 and i == 1 else 0.0), 0.06 if eyes > 1 else 0.085, look=(0.0, -0.1)
        )
    pen.smile(0.0, ey - 0.07, 0.06, 0.012)
    _blush(pen, -rx * 0.6, ey - 0.07, 0.035)
    _blush(pen, rx * 0.6, ey - 0.07, 0.035)
