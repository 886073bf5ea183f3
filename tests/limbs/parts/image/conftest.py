"""Fixtures for the image limb's tests."""

from __future__ import annotations

import pytest

from limbs.parts.image.sprite import make as make_sprite
from limbs.spec import GenRequest


@pytest.fixture(scope="module")
def sprite_png() -> bytes:
    req = GenRequest(intent="a green robot", params={"size": 32, "kind": "auto", "outline": True}, seed=5)
    return make_sprite(req).outputs[0].data
