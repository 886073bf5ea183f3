"""Quantum · Variants: Makes several siblings of one request and lays them out side by side."""

from __future__ import annotations

from limbs.generators.quantum import variants as make
from limbs.params import ANY_ASSET, asset, choice, integer, kw, number, string
from limbs.spec import ActionSpec

# Limbs whose results can be varied by quantum.variants.
VARIABLE_LIMBS = (
    "image",
    "video",
    "audio",
    "material",
    "animation",
    "divine",
    "entity",
    "mesh",
    "world",
    "landscape",
    "code",
)

ACTION = ActionSpec(
    id="variants",
    name="Variants",
    description="Makes several siblings of one request and lays them out side by side.",
    output="image",
    deadline_s=60.0,
    params=(
        choice("target", "Make with", VARIABLE_LIMBS, "image", "Which limb makes the variants."),
        string(
            "action",
            "Action",
            "Which of that limb's actions makes them. Empty picks its first built action.",
            max_length=40,
        ),
        asset(
            "source",
            "Starting point",
            ANY_ASSET,
            "Optional: a file for actions that start from one (a picture for 3D, say).",
            required=False,
        ),
        integer("count", "How many", 4, 2, 16, "How many variants to make (4 fill a 2 by 2 sheet)."),
        number(
            "spread",
            "How different",
            0.5,
            0.0,
            1.0,
            "0 keeps them close, 1 makes them wild.",
            step=0.05,
        ),
    ),
    keywords=kw(
        "variants, versions, alternatives, options, different, lots, many, several, siblings, contact sheet"
    ),
    make=make,
)
