"""Procedural generators, keyed by (limb, action)."""

from __future__ import annotations

from limbs.generators import ghost, image, mesh
from limbs.generators.base import Generator

GENERATORS: dict[tuple[str, str], Generator] = {
    ("image", "generate"): image.generate,
    ("image", "sprite"): image.sprite,
    ("mesh", "image_to_3d"): mesh.image_to_3d,
    ("ghost", "stabilize"): ghost.stabilize,
    ("ghost", "introspect"): ghost.introspect,
}
