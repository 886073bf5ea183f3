"""Mesh · Optimise a model: Makes a model lighter by merging points and using fewer triangles."""

from __future__ import annotations

from limbs.params import MODEL, asset, boolean, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="optimize",
    name="Optimise a model",
    description="Makes a model lighter by merging points and using fewer triangles.",
    output="model",
    needs_intent=False,
    params=(
        asset("model", "Model", MODEL, "The 3D model (GLB) to make lighter."),
        integer("target_triangles", "Triangles", 5000, 100, 200000, "About how many triangles to keep."),
        boolean("merge_vertices", "Merge points", True, "Join points that sit in the same place."),
    ),
    keywords=kw("optimize, optimise, decimate, simplify, lighter, smaller"),
)
