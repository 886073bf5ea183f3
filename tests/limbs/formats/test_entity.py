"""limbs.formats.entity: entities and behaviour trees match their published JSON Schemas, and
what a schema cannot say: stats in range, references that resolve, unique ids."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from limbs.formats import OutputInvalid
from limbs.formats.entity import (
    BEHAVIOR_TREE_SCHEMA_ID,
    ENTITY_SCHEMA_ID,
    behavior_tree_schema,
    entity_schema,
    is_entity,
    validate_behavior_tree,
    validate_entity,
)
from limbs.parts.entity import archetype, behavior_tree
from limbs.spec import GenRequest


def entity(intent: str, seed: int = 1) -> dict[str, Any]:
    params = {"role": "auto", "level": 1, "inventory_slots": 8}
    doc: dict[str, Any] = json.loads(archetype.make(GenRequest(intent, params, seed)).outputs[0].data)
    return doc


def tree(intent: str, depth: int = 3) -> dict[str, Any]:
    params = {"style": "auto", "depth": depth}
    doc: dict[str, Any] = json.loads(behavior_tree.make(GenRequest(intent, params, 1)).outputs[0].data)
    return doc


def test_the_published_schemas_are_valid_draft_2020_12_with_their_ids() -> None:
    for schema, ident in (
        (entity_schema(), "https://pog.studio/schemas/entity-1.json"),
        (behavior_tree_schema(), "https://pog.studio/schemas/behavior-tree-1.json"),
    ):
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"] == ident
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def base_entity() -> dict[str, Any]:
    return entity("a fire boss")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("stats"), "stats"),
        (lambda d: d["components"].pop("Health"), "Health"),
        (lambda d: d.__setitem__("level", 0), "level"),
        (lambda d: d["stats"].__setitem__("speed", 500), "'speed'"),
        (lambda d: d["components"]["Health"].__setitem__("current", 10**7), "above Health.max"),
        (lambda d: d["components"]["AI"].__setitem__("default_behaviour", "dance"), "'dance'"),
        (lambda d: d["behaviours"][0].__setitem__("next", "moonwalk"), "'moonwalk'"),
        (lambda d: d["inventory"].__setitem__("slots", 1), "only 1 slots|slot"),
        (lambda d: d["behaviours"].append(copy.deepcopy(d["behaviours"][0])), "used twice"),
    ],
)
def test_broken_entities_are_rejected_naming_the_problem(mutate: Any, message: str) -> None:
    doc = base_entity()
    mutate(doc)
    with pytest.raises(OutputInvalid, match=message):
        validate_entity(doc)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["root"].__setitem__("children", []), "schema"),
        (lambda d: d["root"]["children"][0].__setitem__("id", d["root"]["id"]), "used twice"),
        (lambda d: d["blackboard"].clear(), "blackboard key"),
        (lambda d: d["root"].__setitem__("type", "action"), "schema"),
        (
            lambda d: d["root"]["children"].append(
                {
                    "id": "zz",
                    "type": "decorator",
                    "decorator": "cooldown",
                    "child": {"id": "zy", "type": "action", "action": "x"},
                }
            ),
            "positive 'seconds'",
        ),
    ],
)
def test_broken_behaviour_trees_are_rejected(mutate: Any, message: str) -> None:
    doc = tree("an angry wolf", depth=4)
    mutate(doc)
    with pytest.raises(OutputInvalid, match=message):
        validate_behavior_tree(doc)


def test_a_behaviour_tree_nested_deeper_than_python_can_walk_is_refused_not_a_crash() -> None:
    node: dict[str, Any] = {"id": "leaf", "type": "action", "action": "wait"}
    for n in range(3000):
        node = {"id": f"n{n}", "type": "decorator", "decorator": "invert", "child": node}
    doc = {"$schema": BEHAVIOR_TREE_SCHEMA_ID, "name": "tower", "blackboard": {}, "root": node}
    with pytest.raises(OutputInvalid, match="nested too deeply"):
        validate_behavior_tree(doc)


@pytest.mark.parametrize("data", [b"[1, 2]", b"{nope", "[" * 100_000])
def test_an_entity_that_is_not_a_json_object_is_refused(data: bytes | str) -> None:
    with pytest.raises(OutputInvalid, match="entity"):
        validate_entity(data)


def test_an_entity_is_known_by_its_schema_and_its_stats() -> None:
    doc = entity("a brave knight")
    assert is_entity(doc)
    assert not is_entity({"$schema": ENTITY_SCHEMA_ID})
    assert not is_entity(dict(doc, **{"$schema": BEHAVIOR_TREE_SCHEMA_ID}))
    assert not is_entity([doc])
    assert validate_entity(json.dumps(doc))["id"] == doc["id"]
