"""Mesh · Picture to 3D: Turns a picture into a 3D model you can spin around."""

from __future__ import annotations

from limbs.generators.mesh import image_to_3d as make
from limbs.params import IMAGE, asset, choice, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="image_to_3d",
    name="Picture to 3D",
    description="Turns a picture into a 3D model you can spin around.",
    output="model",
    needs_intent=False,
    examples=("make my picture 3D", "turn my drawing into a 3D toy"),
    params=(
        asset(
            "image",
            "Picture",
            IMAGE,
            "The picture to turn into 3D. A see-through background works best.",
        ),
        choice(
            "mode",
            "Mode",
            ("auto", "extrude", "relief"),
            "auto",
            "Extrude pushes the outline out like a cookie; relief raises bright parts like a coin.",
        ),
        number("depth", "Depth", 0.25, 0.05, 1.0, "How thick the model is.", step=0.05),
    ),
    keywords=kw("picture, drawing, photo, image, sprite, extrude, relief"),
    make=make,
)
