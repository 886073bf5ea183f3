"""Landscape · Terrain: A height map, a 3D ground mesh and a grid of where you can walk."""

from __future__ import annotations

from limbs.params import integer, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="terrain",
    name="Terrain",
    description="A height map, a 3D ground mesh and a grid of where you can walk.",
    output="image",
    params=(
        integer("size", "Size", 256, 64, 1024, "Width and depth of the height map, in pixels."),
        number(
            "roughness",
            "Roughness",
            0.5,
            0.0,
            1.0,
            "Smooth hills at 0, jagged peaks at 1.",
            step=0.05,
        ),
        number(
            "height_scale",
            "Tallest peak",
            50.0,
            1.0,
            500.0,
            "Height of the tallest mountain, in metres.",
        ),
        integer("octaves", "Detail layers", 6, 1, 10, "More layers add smaller bumps."),
        integer(
            "collision_cell",
            "Collision cell",
            4,
            1,
            32,
            "Size of each walkable-grid cell, in pixels.",
        ),
    ),
    keywords=kw("terrain, mountain, hill, valley, canyon, cliff"),
)
