"""Material · PBR material: Tileable colour, bumps, roughness and shadow maps plus a glTF material."""

from __future__ import annotations

from collections.abc import Sequence

from limbs.generators.material import pbr as make
from limbs.params import IMAGE, asset, choice, kw, number
from limbs.parts.material._agreement import validate_material
from limbs.spec import ActionSpec, Output


def check(outputs: Sequence[Output]) -> None:
    """The glTF material names maps that are among the outputs, and they agree."""
    material = next((o for o in outputs if o.role == "material"), None)
    if material is not None:
        validate_material(material.data, {o.name: o.data for o in outputs if o.mime == "image/png"})


ACTION = ActionSpec(
    id="pbr",
    name="PBR material",
    description="Tileable colour, bumps, roughness and shadow maps plus a glTF material.",
    output="image",
    needs_intent=False,
    params=(
        asset(
            "image",
            "Picture",
            IMAGE,
            "Optional: a picture to base the surface on. Leave empty to use your words.",
            required=False,
        ),
        choice(
            "resolution",
            "Resolution",
            ("256", "512", "1024", "2048"),
            "512",
            "Size of each map, in pixels.",
        ),
        number(
            "roughness",
            "Roughness",
            None,
            0.0,
            1.0,
            "0 is mirror-smooth, 1 is chalky. Empty lets the material decide.",
            step=0.05,
        ),
        number(
            "metallic",
            "Metal",
            None,
            0.0,
            1.0,
            "1 makes it look like metal. Empty lets the material decide.",
            step=0.05,
        ),
        number("normal_strength", "Bumpiness", 1.0, 0.0, 4.0, "How deep the bumps look.", step=0.1),
    ),
    keywords=kw("pbr, material, surface, normal map, roughness, albedo"),
    check=check,
    make=make,
)
