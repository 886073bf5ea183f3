"""Files made by the studio's own makers, which the format tests check and then break."""

from __future__ import annotations

import pytest

from limbs.parts.image import generate as image_generate
from limbs.parts.image import sprite as image_sprite
from limbs.parts.mesh import image_to_3d
from limbs.spec import GenRequest


@pytest.fixture(scope="session")
def scene_png() -> bytes:
    req = GenRequest(intent="a blue whale", params={"width": 120, "height": 80, "style": "auto"}, seed=1)
    return image_generate.make(req).outputs[0].data


@pytest.fixture(scope="session")
def sprite_png() -> bytes:
    return (
        image_sprite.make(
            GenRequest(intent="a robot", params={"size": 16, "kind": "auto", "outline": True}, seed=1)
        )
        .outputs[0]
        .data
    )


@pytest.fixture(scope="session")
def glb(sprite_png: bytes) -> bytes:
    req = GenRequest(intent="", params={"mode": "auto", "depth": 0.25}, seed=1, inputs={"image": sprite_png})
    return image_to_3d.make(req).outputs[0].data
