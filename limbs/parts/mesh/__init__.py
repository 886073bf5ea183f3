"""Mesh: Turn drawings and words into 3D models you can spin around."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="mesh",
    name="Mesh",
    category="spatial",
    icon="🧊",
    explanation="Turn drawings and words into 3D models you can spin around.",
    colour="#00796b",
    keywords=kw(
        "3d, model, mesh, sculpt, sculpture, statue, figurine, toy, glb, gltf, obj, voxel, voxels, "
        "voxelize, vox, magicavoxel, blocky, low poly, polygon, polygons, triangles, watertight, "
        "decimate, optimize, optimise, extrude"
    ),
    examples=(
        "make my picture 3D",
        "a 3D castle",
        "a statue of a cat",
        "a low poly treasure chest",
        "turn my drawing into a 3D toy",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "text_to_3d",
    "image_to_3d",
    "voxelize",
    "diagnostics",
    "optimize",
)
