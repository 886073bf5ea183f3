"""entity.archetype: ECS characters that follow the schema and the intent's words."""

from __future__ import annotations

import itertools
import json
from typing import Any

import jsonschema
import pytest

from limbs.formats.entity import entity_schema, validate_entity
from limbs.parts.entity import archetype
from limbs.spec import GenRequest

ARCHETYPE = {"role": "auto", "level": 1, "inventory_slots": 8}


def make(intent: str, seed: int = 1, **params: Any) -> dict[str, Any]:
    result = archetype.make(GenRequest(intent=intent, params={**ARCHETYPE, **params}, seed=seed))
    doc: dict[str, Any] = json.loads(result.outputs[0].data)
    return doc


@pytest.mark.parametrize(
    ("intent", "role", "level", "slots"),
    [
        (intent, role, level, slots)
        for intent, (role, level, slots) in itertools.product(
            [
                "a fire boss",
                "a shy merchant",
                "a rat",
                "a brave knight",
                "a robot pet",
                "an icy ghost",
                "a thing",
            ],
            [
                ("auto", 1, 8),
                ("boss", 100, 40),
                ("merchant", 50, 0),
                ("pet", 7, 1),
                ("hero", 1, 3),
                ("npc", 30, 12),
            ],
        )
    ],
)
def test_every_archetype_validates_against_the_schema_and_its_semantics(
    intent: str, role: str, level: int, slots: int
) -> None:
    doc = make(intent, role=role, level=level, inventory_slots=slots)
    jsonschema.validate(doc, entity_schema())
    report = validate_entity(doc)
    assert report["level"] == level
    assert len(doc["inventory"]["items"]) <= slots
    if role != "auto":
        assert doc["archetype"] == role


def test_a_boss_is_stronger_than_a_rat_in_every_fighting_stat() -> None:
    boss, rat = make("a fire boss"), make("a rat")
    assert (boss["archetype"], rat["archetype"]) == ("boss", "enemy")
    for stat in ("health", "attack", "defense", "magic"):
        assert boss["stats"][stat] > rat["stats"][stat], stat


def test_stats_grow_with_level() -> None:
    levels = [make("a grumpy troll", level=level)["stats"] for level in (1, 10, 40, 100)]
    for stat in ("health", "attack", "defense"):
        values = [s[stat] for s in levels]
        assert values == sorted(values) and values[0] < values[-1], stat


def test_intent_words_shape_the_entity() -> None:
    boss = make("a fire boss")
    assert boss["components"]["Resistances"] == {"fire": 0.75, "ice": -0.25}
    assert any(b["id"] == "fire_breath" and b["damage_type"] == "fire" for b in boss["behaviours"])
    assert boss["components"]["Loot"]["table"]
    merchant = make("a shy merchant")
    assert merchant["archetype"] == "merchant"
    assert merchant["components"]["Trader"]["sells"]
    assert any(b["id"] == "hide" and b["kind"] == "flee" for b in merchant["behaviours"])
    assert merchant["components"]["AI"]["aggro_radius"] <= 2.0
    assert merchant["components"]["AI"]["flee_below"] >= 0.5


def test_an_empty_backpack_holds_nothing_and_a_big_one_is_not_overfilled() -> None:
    assert make("a brave knight", inventory_slots=0)["inventory"]["items"] == []
    items = make("a greedy merchant", inventory_slots=3)["inventory"]["items"]
    assert len(items) == 3 and sorted(i["slot"] for i in items) == [0, 1, 2]


def test_archetype_is_deterministic_and_seed_sensitive() -> None:
    assert make("a fire boss", seed=4) == make("a fire boss", seed=4)
    assert make("a fire boss", seed=4) != make("a fire boss", seed=5)
