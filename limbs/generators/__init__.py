"""Procedural generators, keyed by (limb, action)."""

from __future__ import annotations

from limbs.generators import (
    animation,
    audio,
    divine,
    entity,
    ghost,
    id_auditor,
    image,
    image_tools,
    material,
    mesh,
    quantum,
    video,
)
from limbs.generators.base import Generator

GENERATORS: dict[tuple[str, str], Generator] = {
    ("image", "generate"): image.generate,
    ("image", "sprite"): image.sprite,
    ("image", "tile"): image_tools.tile,
    ("image", "palette"): image_tools.palette,
    ("image", "remove_background"): image_tools.remove_background,
    ("image", "upscale"): image_tools.upscale,
    ("image", "variation"): image_tools.variation,
    ("video", "animate"): video.animate,
    ("video", "sprite_sheet"): video.sprite_sheet,
    ("video", "extract_frames"): video.extract_frames,
    ("audio", "sfx"): audio.sfx,
    ("audio", "music"): audio.music,
    ("audio", "speech"): audio.speech,
    ("audio", "analyze"): audio.analyze,
    ("material", "pbr"): material.pbr,
    ("material", "shader"): material.shader,
    ("animation", "keyframes"): animation.keyframes,
    ("animation", "walk_cycle"): animation.walk_cycle,
    ("divine", "world_bible"): divine.world_bible,
    ("divine", "quest"): divine.quest,
    ("divine", "dialogue"): divine.dialogue,
    ("divine", "names"): divine.names,
    ("quantum", "variants"): quantum.variants,
    ("quantum", "entangle"): quantum.entangle,
    ("entity", "archetype"): entity.archetype,
    ("entity", "behavior_tree"): entity.behavior_tree,
    ("entity", "balance"): entity.balance,
    ("mesh", "image_to_3d"): mesh.image_to_3d,
    ("id_auditor", "audit"): id_auditor.audit,
    ("id_auditor", "reserve"): id_auditor.reserve,
    ("ghost", "stabilize"): ghost.stabilize,
    ("ghost", "introspect"): ghost.introspect,
}
