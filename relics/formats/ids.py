"""The id tables of decoded relic configs, in the shape the ``id_auditor`` limb audits.

RuneScape Classic has no stored ids: a record's id is its index in its config section
(item 0 is the first item, and so on), which is how the client and its server refer to
them. The keys follow the limb registry's id kinds (``item``, ``npc``, ``object``,
``sprite``, ``model``) and add the other sections under their own singular names.
RS3 records carry their id (group and file in the cache), so those are taken as given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from relics.formats.config import GameConfig
from relics.formats.rs3_config import ItemConfig, NpcConfig


def ids_from_classic_config(config: GameConfig) -> dict[str, list[int]]:
    """Index-based ids of every section of a Classic config.

    ``sprite`` is the distinct item sprite slots the items draw with (several items may
    share one slot, so it is a set of slots in use, not one id per item), and ``model``
    numbers the distinct object model names in first-use order as the client loads them.
    Sounds are named, not numbered, in the cache, so they have no entry here.
    """
    sections: dict[str, Sequence[object]] = {
        "item": config.items,
        "npc": config.npcs,
        "object": config.objects,
        "wall_object": config.wall_objects,
        "texture": config.textures,
        "animation": config.animations,
        "roof": config.roofs,
        "tile": config.tiles,
        "spell": config.spells,
        "prayer": config.prayers,
    }
    out: dict[str, list[int]] = {kind: list(range(len(records))) for kind, records in sections.items()}
    out["sprite"] = sorted({item.sprite for item in config.items})
    out["model"] = list(range(len(config.model_names())))
    return out


def ids_from_rs3(items: Iterable[ItemConfig], npcs: Iterable[NpcConfig]) -> dict[str, list[int]]:
    """The stored ids of decoded RS3 item and NPC records, in the order given.

    Order and repeats are kept so that an audit can point at a record decoded twice.
    """
    return {"item": [item.id for item in items], "npc": [npc.id for npc in npcs]}
