"""Pipeline: Pack your things into a box that game engines like Godot can open."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="pipeline",
    name="Pipeline",
    category="technical",
    icon="📦",
    explanation="Pack your things into a box that game engines like Godot can open.",
    colour="#01579b",
    keywords=kw("export, pack, godot, unity, engine, package, release, publish, ship, compress, shrink"),
    examples=(
        "export my pack for godot",
        "package everything for unity",
        "compress my project to ship it",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "export_pack",
    "optimize",
)
