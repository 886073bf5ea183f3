"""Mesh · Check a model: Counts a model's points and triangles, measures it and checks it has no holes."""

from __future__ import annotations

from limbs.params import MODEL, asset, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="diagnostics",
    name="Check a model",
    description="Counts a model's points and triangles, measures it and checks it has no holes.",
    output="json",
    needs_intent=False,
    params=(asset("model", "Model", MODEL, "The 3D model (GLB) to check."),),
    keywords=kw("diagnostics, check, watertight, count, bounds, triangles, polygons"),
)
