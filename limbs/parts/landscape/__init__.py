"""Landscape: Shape hills, mountains and valleys you can walk on."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="landscape",
    name="Landscape",
    category="spatial",
    icon="⛰️",
    explanation="Shape hills, mountains and valleys you can walk on.",
    colour="#33691e",
    keywords=kw(
        "landscape, terrain, heightmap, height map, mountain, hill, valley, canyon, cliff, ground, "
        "ridge, plateau, elevation, erosion, erode, eroded, export rsc, sector"
    ),
    examples=(
        "rolling green hills",
        "tall mountains with a deep valley",
        "a canyon carved by rain erosion",
        "terrain for a desert level",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "terrain",
    "erode",
    "export_rsc",
)
