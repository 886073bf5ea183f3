"""Places, plants, vehicles and items. Each draws in unit space (its base at y=0, about one unit tall)."""

from __future__ import annotations

import math

import numpy as np

from limbs.craft.draw.curves import Point, bezier, wobbly_blob
from limbs.craft.draw.look import INK, WHITE, Look, flame, lighten
from limbs.craft.draw.pen import Pen
from limbs.craft.words import RGB, mix, scale, shift_hue


def castle(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    stone = look.main
    dark_stone = scale(stone, 0.78)
    roof = look.accent
    window = (255, 214, 90) if look.night else (60, 54, 88)

    def crenellate(x0: float, x1: float, y: float, colour: RGB) -> None:
        n = max(3, round((x1 - x0) / 0.06))
        w = (x1 - x0) / (2 * n - 1)
        shapes = [pen.box(x0, y - 0.02, x1, y)]
        shapes += [pen.box(x0 + 2 * i * w, y - 0.01, x0 + (2 * i + 1) * w, y + 0.05) for i in range(n)]
        pen.part(shapes, colour)

    def tower(x: float, w: float, top: float, roof_h: float, colour: RGB) -> None:
        pen.rrect(x - w / 2, 0.0, x + w / 2, top, 0.005, colour)
        pen.poly([(x - w / 2 - 0.03, top - 0.01), (x, top + roof_h), (x + w / 2 + 0.03, top - 0.01)], roof)
        pen.line([(x, top + roof_h), (x, top + roof_h + 0.07)], 0.008, INK)
        pen.poly(
            [(x, top + roof_h + 0.07), (x + 0.07, top + roof_h + 0.05), (x, top + roof_h + 0.03)],
            look.extra,
            shade=0.3,
        )
        for wy in (top * 0.45, top * 0.75):
            pen.part(
                [pen.box(x - 0.018, wy - 0.04, x + 0.018, wy + 0.01), pen.disc(x, wy + 0.01, 0.018)],
                window,
                shade=0.2,
            )

    tower(-0.05, 0.16, 0.78, 0.2, dark_stone)
    pen.rrect(-0.32, 0.0, 0.32, 0.44, 0.0, stone)
    crenellate(-0.32, 0.32, 0.44, stone)
    tower(-0.36, 0.15, 0.64, 0.22, stone)
    tower(0.36, 0.15, 0.64, 0.22, stone)
    # Stone blocks hint.
    for row in range(4):
        y = 0.08 + row * 0.09
        off = 0.04 if row % 2 else 0.0
        for i in range(6):
            x = -0.26 + off + i * 0.1
            pen.line([(x, y), (x + 0.05, y)], 0.006, scale(stone, 0.82), opacity=0.7)
    pen.part([pen.box(-0.09, 0.0, 0.09, 0.17), pen.disc(0.0, 0.17, 0.09)], (58, 40, 40), shade=0.3)
    for i in range(4):
        x = -0.06 + i * 0.04
        pen.line([(x, 0.0), (x, 0.22)], 0.008, (120, 110, 120), opacity=0.8)
    pen.line([(-0.09, 0.1), (0.09, 0.1)], 0.008, (120, 110, 120), opacity=0.8)
    for wx in (-0.2, 0.2):
        pen.part([pen.box(wx - 0.025, 0.24, wx + 0.025, 0.32), pen.disc(wx, 0.32, 0.025)], window, shade=0.2)


def tree(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    leaves = look.main
    bark = (128, 84, 50)
    variant = look.variant
    if variant == "pine":
        pen.rrect(-0.05, 0.0, 0.05, 0.22, 0.01, bark)
        for i, (y, w) in enumerate(((0.12, 0.42), (0.36, 0.34), (0.58, 0.26))):
            tone = scale(leaves, 0.85 + 0.08 * i)
            pts = [(-w, y), (0.0, y + 0.4 - 0.04 * i), (w, y)]
            pen.poly(pts, tone)
        if look.night or "snow" in variant:
            return
        return
    if variant == "palm":
        trunk = bezier((0.0, 0.0), (0.02, 0.4), (0.14, 0.7), 16)
        pen.tube(trunk, [0.09, 0.07, 0.05], (170, 120, 70))
        tx, ty = trunk[-1]
        for ang in (15, 60, 110, 160, 200, -20):
            a = math.radians(ang)
            end = (tx + math.cos(a) * 0.34, ty + math.sin(a) * 0.2 - 0.12)
            ctrl = (tx + math.cos(a) * 0.2, ty + 0.12)
            pen.tube(bezier((tx, ty), ctrl, end, 14), [0.02, 0.09, 0.0], leaves)
        for dx in (-0.03, 0.03):
            pen.circle(tx + dx, ty - 0.04, 0.032, (120, 80, 40))
        return
    pen.tube(bezier((0.0, 0.0), (-0.02, 0.25), (0.0, 0.48), 10), [0.14, 0.09, 0.07], bark)
    pen.tube([(0.0, 0.35), (0.12, 0.47)], [0.05, 0.02], bark)
    pen.tube([(0.0, 0.4), (-0.12, 0.52)], [0.05, 0.02], bark)
    blobs = [
        (-0.18, 0.58, 0.17),
        (0.18, 0.58, 0.17),
        (0.0, 0.74, 0.22),
        (-0.12, 0.86, 0.15),
        (0.12, 0.88, 0.14),
    ]
    pen.part([pen.disc(x, y, r) for x, y, r in blobs], leaves, gloss=0.05)
    for x, y, r in blobs[:3]:
        pen.circle(
            x - r * 0.25, y + r * 0.3, r * 0.45, lighten(leaves, 0.25), outline=False, shade=0.0, opacity=0.5
        )
    if variant in ("apple", "blossom") or rng.random() < 0.4:
        fruit = look.accent
        for _ in range(6):
            a = rng.uniform(0, 2 * math.pi)
            d = rng.uniform(0.05, 0.22)
            pen.circle(math.cos(a) * d, 0.72 + math.sin(a) * d * 0.8, 0.03, fruit, gloss=0.4)


def forest(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    spots = [(-0.42, 0.55, 0.05), (0.4, 0.6, 0.06), (-0.22, 0.75, 0.0), (0.22, 0.8, 0.0), (0.0, 1.0, -0.02)]
    for i, (x, k, y) in enumerate(spots):
        sub = Pen(pen.painter, pen.cx + x * pen.size, pen.base - y * pen.size, pen.size * k, pen.flip)
        tone = shift_hue(look.main, (i - 2) * 6, val=0.85 + 0.05 * i)
        variant = "pine" if (look.variant == "pine" or rng.random() < 0.4) and i != 4 else ""
        tree(sub, Look(tone, look.accent, look.extra, variant, look.night), rng)


def house(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    walls = look.main
    roof = look.accent
    glass = (255, 214, 100) if look.night else (150, 206, 240)
    pen.rrect(0.14, 0.55, 0.24, 0.86, 0.0, (170, 80, 60))
    if not look.night:
        for i, r in enumerate((0.035, 0.05, 0.065)):
            pen.circle(
                0.2 + i * 0.05, 0.92 + i * 0.08, r, (236, 236, 240), outline=False, shade=0.5, opacity=0.8
            )
    pen.rrect(-0.32, 0.0, 0.32, 0.5, 0.0, walls)
    pen.poly([(-0.42, 0.46), (0.0, 0.84), (0.42, 0.46)], roof)
    pen.line([(-0.42, 0.46), (0.0, 0.84), (0.42, 0.46)], 0.012, scale(roof, 0.7))
    pen.circle(0.0, 0.62, 0.055, glass)
    pen.rrect(-0.075, 0.0, 0.075, 0.26, 0.06, (150, 92, 54))
    pen.circle(0.045, 0.12, 0.013, (250, 210, 80), outline=False)
    for wx in (-0.2, 0.2):
        pen.rrect(wx - 0.07, 0.22, wx + 0.07, 0.38, 0.01, glass, gloss=0.35)
        pen.line([(wx, 0.22), (wx, 0.38)], 0.012, WHITE)
        pen.line([(wx - 0.07, 0.3), (wx + 0.07, 0.3)], 0.012, WHITE)
        pen.rrect(wx - 0.085, 0.18, wx + 0.085, 0.22, 0.01, (150, 100, 60))
        for k in range(3):
            pen.circle(wx - 0.05 + k * 0.05, 0.225, 0.022, look.extra, outline=False, shade=0.4)


def rocket(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    if look.variant == "ufo":
        _ufo(pen, look)
        return
    body = look.main
    trim = look.accent
    flame(pen, 0.0, 0.21, 0.24, -90, 0.13)
    for side in (-1, 1):
        pen.poly([(side * 0.1, 0.42), (side * 0.26, 0.2), (side * 0.25, 0.12), (side * 0.1, 0.24)], trim)
    right = bezier((0.0, 1.0), (0.2, 0.76), (0.12, 0.22), 16)
    outline = right + [(0.09, 0.2), (-0.09, 0.2)] + [(-x, y) for x, y in right[::-1]]
    pen.poly(outline, body, gloss=0.35)
    cone = [(x, y) for x, y in right if y >= 0.78]
    pen.poly(cone + [(-x, y) for x, y in cone[::-1]], trim, outline=False, shade=0.8)
    pen.line([(-0.13, 0.78), (0.13, 0.78)], 0.012, scale(trim, 0.7))
    pen.rrect(-0.1, 0.18, 0.1, 0.24, 0.01, (120, 124, 140))
    pen.ellipse(0.0, 0.28, 0.025, 0.1, trim)
    pen.circle(0.0, 0.58, 0.085, (200, 206, 220))
    pen.circle(0.0, 0.58, 0.06, (110, 190, 240), gloss=0.6)


def _ufo(pen: Pen, look: Look) -> None:
    pen.ellipse(0.0, 0.62, 0.16, 0.16, (150, 220, 240), gloss=0.6, opacity=0.9)
    pen.ellipse(0.0, 0.5, 0.42, 0.1, look.main, gloss=0.4)
    pen.ellipse(0.0, 0.47, 0.3, 0.05, scale(look.main, 0.75), outline=False)
    for i in range(5):
        pen.circle(-0.28 + i * 0.14, 0.47, 0.03, (255, 230, 90), gloss=0.5)
    pen.poly(
        [(-0.12, 0.42), (0.12, 0.42), (0.26, 0.02), (-0.26, 0.02)],
        (255, 250, 180),
        outline=False,
        shade=0.0,
        opacity=0.25,
    )


def boat(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    hull = look.main
    sail = (250, 248, 240)
    pen.rrect(-0.015, 0.2, 0.015, 0.98, 0.0, (120, 80, 48))
    pen.poly([(0.03, 0.3), (0.03, 0.92), (0.36, 0.32)], sail, gloss=0.05)
    pen.poly([(-0.03, 0.34), (-0.03, 0.86), (-0.3, 0.34)], scale(sail, 0.95), gloss=0.05)
    pen.poly([(0.015, 0.98), (0.14, 0.94), (0.015, 0.9)], look.accent, shade=0.3)
    pen.poly([(-0.46, 0.28), (0.48, 0.28), (0.32, 0.0), (-0.34, 0.0)], hull)
    pen.poly([(-0.44, 0.25), (0.46, 0.25), (0.43, 0.2), (-0.42, 0.2)], look.accent, outline=False, shade=0.3)
    for i in range(3):
        pen.circle(-0.2 + i * 0.15, 0.13, 0.03, (210, 230, 245))
    waves: list[Point] = []
    for i in range(41):
        x = -1.0 + i * 0.05
        waves.append((x, 0.04 + 0.025 * math.sin(i * 1.9) + (0.02 if i % 2 else 0.0)))
    waves += [(1.0, -0.6), (-1.0, -0.6)]
    pen.poly(waves, look.water, shade=0.0, line=mix(look.water, WHITE, 0.7))


def robot(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    metal = look.main
    glow = look.accent
    dark = mix(scale(metal, 0.45), (30, 30, 60), 0.3)
    for x in (-0.1, 0.1):
        pen.rrect(x - 0.045, 0.04, x + 0.045, 0.2, 0.01, dark)
        pen.rrect(x - 0.08, 0.0, x + 0.07, 0.06, 0.025, metal)
    for side in (-1, 1):
        pen.tube([(side * 0.22, 0.46), (side * 0.3, 0.36), (side * 0.33, 0.26)], 0.06, dark)
        pen.part([pen.disc(side * 0.33, 0.24, 0.05)], metal, cut=[pen.disc(side * 0.33, 0.2, 0.03)])
    pen.rrect(-0.22, 0.18, 0.22, 0.52, 0.05, metal, gloss=0.4)
    pen.rrect(-0.13, 0.25, 0.13, 0.44, 0.03, dark)
    for i, c in enumerate(((240, 70, 70), (250, 210, 60), glow)):
        pen.circle(-0.07 + i * 0.07, 0.39, 0.025, c, gloss=0.6)
    for i in range(3):
        pen.line([(-0.09, 0.29 + i * 0.025), (0.09, 0.29 + i * 0.025)], 0.008, mix(dark, glow, 0.4))
    pen.rrect(-0.05, 0.5, 0.05, 0.58, 0.0, dark)
    pen.line([(0.0, 0.84), (0.0, 0.95)], 0.012, dark)
    pen.circle(0.0, 0.96, 0.032, (240, 70, 70), gloss=0.6)
    for side in (-1, 1):
        pen.circle(side * 0.19, 0.7, 0.035, dark)
    pen.rrect(-0.18, 0.56, 0.18, 0.85, 0.06, metal, gloss=0.4)
    pen.rrect(-0.14, 0.64, 0.14, 0.78, 0.04, (36, 40, 60), shade=0.3)
    for x in (-0.07, 0.07):
        pen.circle(x, 0.71, 0.042, glow, gloss=0.7, line=scale(glow, 0.5))
        pen.circle(x + 0.012, 0.722, 0.012, WHITE, outline=False, shade=0.0)
    pen.rrect(-0.07, 0.595, 0.07, 0.625, 0.01, glow, outline=False, shade=0.3)


def flower(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    stem = (70, 160, 70)
    sunflower = look.variant == "sunflower"
    plan = [(-0.28, 0.5, 0.1, -35.0), (0.3, 0.58, 0.11, 40.0), (0.0, 0.84, 0.16, 0.0)]
    for i, (x, h, r, hue) in enumerate(plan):
        top = (x, h)
        pts = bezier((x * 0.3, 0.0), (x * 0.2 + 0.05, h * 0.5), top, 12)
        pen.tube(pts, [0.035, 0.025], stem)
        mid = pts[len(pts) // 2]
        side = -1 if i % 2 else 1
        pen.ellipse(mid[0] + side * 0.07, mid[1], 0.075, 0.03, stem, angle=side * 25)
        petals = look.main if i == 2 else shift_hue(look.main, hue)
        if sunflower:
            petals = look.main
        n = 12 if sunflower else 7 + (i % 2)
        for k in range(n):
            a = 2 * math.pi * k / n + (0.3 if i == 1 else 0.0)
            pen.ellipse(
                x + math.cos(a) * r * 0.9,
                h + math.sin(a) * r * 0.9,
                r * 0.62,
                r * 0.36,
                petals,
                angle=math.degrees(a),
                gloss=0.1,
            )
        centre = look.accent
        pen.circle(x, h, r * (0.55 if sunflower else 0.45), centre, gloss=0.3)
        for k in range(5):
            a = 2 * math.pi * k / 5
            pen.circle(
                x + math.cos(a) * r * 0.2,
                h + math.sin(a) * r * 0.2,
                r * 0.07,
                scale(centre, 0.7),
                outline=False,
            )
        if i == 2 and not sunflower:
            pen.eye(x - r * 0.18, h + r * 0.08, r * 0.13, look=(0.0, 0.0))
            pen.eye(x + r * 0.18, h + r * 0.08, r * 0.13, look=(0.0, 0.0))
            pen.smile(x, h - r * 0.02, r * 0.15, r * 0.05)


def mountain(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    rock = look.main
    volcano = look.variant == "volcano"

    def ridge(x0: float, x1: float, peak_x: float, peak_y: float, jag: float) -> list[Point]:
        pts: list[Point] = [(x0, 0.0)]
        for i in range(1, 12):
            t = i / 12
            x = x0 + (peak_x - x0) * t
            pts.append((x, peak_y * t + float(rng.uniform(-jag, jag)) * (1 - t)))
        pts.append((peak_x, peak_y))
        for i in range(1, 12):
            t = i / 12
            x = peak_x + (x1 - peak_x) * t
            pts.append((x, peak_y * (1 - t) + float(rng.uniform(-jag, jag)) * t * (1 - t) * 2))
        pts.append((x1, 0.0))
        return pts

    pen.poly(ridge(-0.62, 0.1, -0.3, 0.62, 0.03), scale(rock, 0.8))
    if volcano:
        main = ridge(-0.5, 0.56, 0.03, 0.82, 0.02)
        main = [(x, min(y, 0.8)) for x, y in main]
        pen.poly(main, rock)
        pen.ellipse(0.03, 0.8, 0.1, 0.025, (255, 130, 40), shade=0.2)
        for dx, ln in ((-0.05, 0.22), (0.02, 0.32), (0.08, 0.16)):
            pen.tube(
                [(0.03 + dx, 0.8), (0.03 + dx * 1.8, 0.8 - ln)], [0.035, 0.01], (250, 110, 30), shade=0.3
            )
        for i, r in enumerate((0.06, 0.08, 0.1)):
            pen.circle(
                0.03 + i * 0.05, 0.92 + i * 0.09, r, (120, 110, 120), outline=False, shade=0.6, opacity=0.8
            )
        return
    main = ridge(-0.5, 0.58, 0.05, 0.98, 0.025)
    pen.poly(main, rock)
    cap = [(x, y) for x, y in main if y > 0.66]
    wave = [(cap[-1][0], 0.66)]
    for i in range(7):
        t = i / 6
        x = cap[-1][0] + (cap[0][0] - cap[-1][0]) * t
        wave.append((x, 0.64 + (0.04 if i % 2 else -0.02)))
    pen.poly(cap + wave, (246, 248, 255), outline=False, shade=0.6)
    pen.line([(0.05, 0.98), (0.05, 1.1)], 0.008, INK)
    pen.poly([(0.05, 1.1), (0.13, 1.07), (0.05, 1.04)], look.accent, shade=0.3)


def sword(pen: Pen, look: Look, rng: np.random.Generator) -> None:
    blade = look.main
    guard = look.accent
    gem = look.extra
    pen.part([pen.shape(wobbly_blob(0.0, 0.05, 0.3, 0.12, rng, 5, 0.12))], (140, 138, 150))
    pen.poly([(-0.065, 0.1), (0.065, 0.1), (0.065, 0.68), (-0.065, 0.68)], blade, gloss=0.6)
    pen.poly(
        [(-0.012, 0.12), (0.012, 0.12), (0.012, 0.66), (-0.012, 0.66)],
        lighten(blade, 0.4),
        outline=False,
        shade=0.3,
    )
    pen.part([pen.shape(wobbly_blob(0.0, 0.08, 0.26, 0.07, rng, 4, 0.15))], (156, 154, 166))
    pen.rrect(-0.22, 0.67, 0.22, 0.73, 0.03, guard, gloss=0.5)
    pen.circle(0.0, 0.7, 0.04, gem, gloss=0.6)
    pen.rrect(-0.035, 0.73, 0.035, 0.9, 0.01, (120, 72, 44))
    for i in range(4):
        y = 0.76 + i * 0.035
        pen.line([(-0.035, y), (0.035, y + 0.02)], 0.008, (80, 48, 30))
    pen.circle(0.0, 0.93, 0.045, guard, gloss=0.5)
