"""Checks for game-entity JSON (ECS) and behaviour trees.

Structure comes from the published JSON Schemas next to this file (draft 2020-12);
the semantic checks below cover what a schema cannot say well: stats within sane
ranges, current health not above max, every referenced behaviour existing, inventory
items fitting the backpack, unique node ids and known blackboard keys.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from limbs.formats.base import OutputInvalid, json_of, nesting_limited

ENTITY_SCHEMA_ID = "https://pog.studio/schemas/entity-1.json"
BEHAVIOR_TREE_SCHEMA_ID = "https://pog.studio/schemas/behavior-tree-1.json"
_HERE = Path(__file__).resolve().parent

# Inclusive ranges a playable entity's stats stay within; other stats need only be finite.
STAT_RANGES: dict[str, tuple[float, float]] = {
    "health": (1, 1_000_000),
    "attack": (0, 100_000),
    "defense": (0, 100_000),
    "magic": (0, 100_000),
    "speed": (0, 100),
    "luck": (0, 100),
    "crit_chance": (0, 1),
}
_DECORATOR_PARAMS: dict[str, tuple[str, ...]] = {
    "repeat": ("times",),
    "cooldown": ("seconds",),
    "timeout": ("seconds",),
    "limit": ("times",),
}


@lru_cache(maxsize=4)
def _validator(filename: str) -> jsonschema.protocols.Validator:
    schema = json.loads((_HERE / filename).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator: jsonschema.protocols.Validator = jsonschema.Draft202012Validator(schema)
    return validator


def entity_schema() -> dict[str, Any]:
    """The published entity schema (serve it at its ``$id``)."""
    schema: dict[str, Any] = json.loads((_HERE / "entity.schema.json").read_text(encoding="utf-8"))
    return schema


def behavior_tree_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((_HERE / "behavior_tree.schema.json").read_text(encoding="utf-8"))
    return schema


def _schema_check(doc: Mapping[str, Any], filename: str, what: str) -> None:
    error = best_match(_validator(filename).iter_errors(doc))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        raise OutputInvalid(f"{what} does not match its schema at {where}: {error.message}")


def is_entity(doc: Any) -> bool:
    """An entity document, shown as a character card."""
    return (
        isinstance(doc, dict)
        and doc.get("$schema") == ENTITY_SCHEMA_ID
        and isinstance(doc.get("stats"), dict)
    )


@nesting_limited("entity")
def validate_entity(data: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    """Schema plus semantics for one ECS entity; returns a short summary."""
    doc = json_of(data, "entity")
    _schema_check(doc, "entity.schema.json", "entity")
    stats: dict[str, float] = doc["stats"]
    for name, value in stats.items():
        if not math.isfinite(value):
            raise OutputInvalid(f"stat {name!r} is not a finite number")
        lo, hi = STAT_RANGES.get(name, (-math.inf, math.inf))
        if not lo <= value <= hi:
            raise OutputInvalid(f"stat {name!r} = {value} is outside {lo:g}..{hi:g}")
    components = doc["components"]
    health = components["Health"]
    if health["current"] > health["max"]:
        raise OutputInvalid("Health.current is above Health.max")
    if health["max"] != stats["health"]:
        raise OutputInvalid("Health.max disagrees with stats.health")
    behaviour_ids: set[str] = set()
    for behaviour in doc["behaviours"]:
        if behaviour["id"] in behaviour_ids:
            raise OutputInvalid(f"behaviour id {behaviour['id']!r} is used twice")
        behaviour_ids.add(behaviour["id"])

    def known(ref: str, where: str) -> None:
        if ref not in behaviour_ids:
            raise OutputInvalid(f"{where} refers to behaviour {ref!r}, which the entity does not have")

    ai = components["AI"]
    known(ai["default_behaviour"], "AI.default_behaviour")
    for ref in ai["priorities"]:
        known(ref, "AI.priorities")
    for behaviour in doc["behaviours"]:
        if "next" in behaviour:
            known(behaviour["next"], f"behaviour {behaviour['id']!r} next")
    inventory = doc["inventory"]
    items = inventory["items"]
    if len(items) > inventory["slots"]:
        raise OutputInvalid(f"inventory holds {len(items)} items but has only {inventory['slots']} slots")
    slots: set[int] = set()
    for item in items:
        if item["slot"] >= inventory["slots"] or item["slot"] in slots:
            raise OutputInvalid(f"item {item['id']!r} sits in slot {item['slot']}, which is taken or missing")
        slots.add(item["slot"])
        if "grants" in item:
            known(item["grants"], f"item {item['id']!r} grants")
    trader = components.get("Trader")
    if trader is not None:
        ids = {item["id"] for item in items}
        for ware in trader["sells"]:
            if ware not in ids:
                raise OutputInvalid(f"Trader sells {ware!r}, which is not in the inventory")
    loot = components.get("Loot")
    if loot is not None and "gold" in loot and loot["gold"][0] > loot["gold"][1]:
        raise OutputInvalid("Loot.gold range runs backwards")
    return {
        "id": doc["id"],
        "archetype": doc["archetype"],
        "level": doc["level"],
        "components": sorted(components),
        "behaviours": len(behaviour_ids),
        "items": len(items),
    }


def _nodes(node: Mapping[str, Any], depth: int = 1) -> Iterable[tuple[Mapping[str, Any], int]]:
    yield node, depth
    for child in node.get("children", []):
        yield from _nodes(child, depth + 1)
    if "child" in node:
        yield from _nodes(node["child"], depth + 1)


@nesting_limited("behaviour tree")
def validate_behavior_tree(data: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    """Schema plus semantics: unique node ids, decorator parameters, '@key' arguments
    naming blackboard keys. Returns counts and the tree depth."""
    doc = json_of(data, "behaviour tree")
    _schema_check(doc, "behavior_tree.schema.json", "behaviour tree")
    blackboard = doc["blackboard"]
    ids: set[str] = set()
    counts: dict[str, int] = {}
    depth = 0
    for node, level in _nodes(doc["root"]):
        depth = max(depth, level)
        if node["id"] in ids:
            raise OutputInvalid(f"node id {node['id']!r} is used twice")
        ids.add(node["id"])
        counts[node["type"]] = counts.get(node["type"], 0) + 1
        if node["type"] == "decorator":
            params = node.get("params", {})
            for key in _DECORATOR_PARAMS.get(node["decorator"], ()):
                value = params.get(key)
                if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                    raise OutputInvalid(
                        f"decorator {node['id']!r} ({node['decorator']}) needs a positive {key!r}"
                    )
        for value in node.get("args", {}).values():
            if isinstance(value, str) and value.startswith("@") and value[1:] not in blackboard:
                raise OutputInvalid(
                    f"node {node['id']!r} reads blackboard key {value[1:]!r}, which is not defined"
                )
    return {"name": doc["name"], "nodes": len(ids), "depth": depth, "counts": counts}
