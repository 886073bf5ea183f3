"""Mesh · 3D from words: A 3D model built from parts, such as a tree, house, sword or chest."""

from __future__ import annotations

from limbs.params import LEVEL, choice, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="text_to_3d",
    name="3D from words",
    description="A 3D model built from parts, such as a tree, house, sword or chest.",
    output="model",
    params=(
        choice(
            "shape",
            "Shape",
            (
                "auto",
                "tree",
                "rock",
                "house",
                "tower",
                "sword",
                "shield",
                "chest",
                "crate",
                "potion",
                "character",
            ),
            "auto",
            "What to build. Auto reads it from your words.",
        ),
        choice("detail", "Detail", LEVEL, "medium", "More detail means more triangles."),
        number("size", "Height", 1.0, 0.1, 10.0, "How tall it is, in metres.", step=0.1),
    ),
)
