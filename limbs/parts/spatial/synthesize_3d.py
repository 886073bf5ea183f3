"""Spatial · Full 3D: Concept picture, then 3D model, surface and idle animation, packed into one GLB."""

from __future__ import annotations

from limbs.params import IMAGE, LEVEL, asset, choice
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="synthesize_3d",
    name="Full 3D",
    description="Concept picture, then 3D model, surface and idle animation, packed into one GLB.",
    output="model",
    deadline_s=120.0,
    params=(
        asset(
            "concept",
            "Concept picture",
            IMAGE,
            "Optional: start from your own picture instead of painting a new one.",
            required=False,
        ),
        choice("detail", "Detail", LEVEL, "medium", "More detail takes longer."),
        choice(
            "animation",
            "Animation",
            ("idle", "spin", "none"),
            "idle",
            "The little movement it makes on its own.",
        ),
        choice(
            "texture_size",
            "Surface size",
            ("256", "512", "1024"),
            "512",
            "Size of the painted surface maps, in pixels.",
        ),
    ),
)
