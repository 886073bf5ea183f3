"""Material: Make surfaces like stone, wood or shiny metal for 3D things."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="material",
    name="Material",
    category="creative",
    icon="🧱",
    explanation="Make surfaces like stone, wood or shiny metal for 3D things.",
    colour="#a0442a",
    keywords=kw(
        "material, pbr, surface, stone, wood, wooden, metal, metallic, brick, bricks, marble, rust, "
        "rusty, moss, mossy, leather, fabric, ice, normal map, roughness, albedo, shader, glsl, "
        "glow, glowing, hologram, shiny"
    ),
    examples=(
        "mossy stone bricks",
        "a shiny gold metal surface",
        "old wooden planks",
        "a glowing hologram shader",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "pbr",
    "shader",
)
