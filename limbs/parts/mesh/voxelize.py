"""Mesh · Voxels: Rebuilds a picture or model out of little cubes, as a MagicaVoxel file."""

from __future__ import annotations

from limbs.params import asset, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="voxelize",
    name="Voxels",
    description="Rebuilds a picture or model out of little cubes, as a MagicaVoxel file.",
    output="model",
    needs_intent=False,
    params=(
        asset("source", "Picture or model", ("image/", "model/"), "What to turn into cubes."),
        integer("resolution", "Cubes across", 32, 8, 256, "Cubes along the longest side."),
    ),
    keywords=kw("voxel, voxels, voxelize, vox, magicavoxel, blocky, cube, cubes"),
)
