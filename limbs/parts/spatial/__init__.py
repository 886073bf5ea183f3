"""Spatial: Turn one idea into a finished, painted, moving 3D model in one go."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="spatial",
    name="Spatial",
    category="spatial",
    icon="🪄",
    explanation="Turn one idea into a finished, painted, moving 3D model in one go.",
    colour="#00695c",
    keywords=kw(
        "synthesize, synthesise, finished, complete, ready, game ready, all in one, one go, packaged, fully"
    ),
    examples=(
        "a finished treasure chest, painted and ready to use",
        "a complete friendly slime, all in one go",
        "a game ready lantern that sways",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = ("synthesize_3d",)
