"""The procedural entity generators: ECS archetypes, behaviour trees and stat balancing."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import jsonschema
import pytest

from limbs.formats import OutputInvalid
from limbs.formats.entity import behavior_tree_schema, entity_schema, validate_behavior_tree, validate_entity
from limbs.generators import entity
from limbs.spec import GeneratorInputError, GenRequest, GenResult, Tension

ARCHETYPE = {"role": "auto", "level": 1, "inventory_slots": 8}
TREE = {"style": "auto", "depth": 3}
BALANCE = {"curve": "linear", "levels": 20}


def make(intent: str, seed: int = 1, **params: Any) -> dict[str, Any]:
    result = entity.archetype(GenRequest(intent=intent, params={**ARCHETYPE, **params}, seed=seed))
    doc: dict[str, Any] = json.loads(result.outputs[0].data)
    return doc


def tree(intent: str, seed: int = 1, tension: Tension = "medium", **params: Any) -> dict[str, Any]:
    result = entity.behavior_tree(
        GenRequest(intent=intent, params={**TREE, **params}, seed=seed, tension=tension)
    )
    doc: dict[str, Any] = json.loads(result.outputs[0].data)
    return doc


def rebalance(entities: Any, **params: Any) -> GenResult:
    raw = entities if isinstance(entities, bytes) else json.dumps(entities).encode()
    return entity.balance(
        GenRequest(intent="", params={**BALANCE, **params}, seed=1, inputs={"entities": raw})
    )


# Archetypes ------------------------------------------------------------------------------------


def test_the_published_schemas_are_valid_draft_2020_12_with_their_ids() -> None:
    for schema, ident in (
        (entity_schema(), "https://pog.studio/schemas/entity-1.json"),
        (behavior_tree_schema(), "https://pog.studio/schemas/behavior-tree-1.json"),
    ):
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"] == ident
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


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


def base_entity() -> dict[str, Any]:
    return make("a fire boss")


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


# Behaviour trees -----------------------------------------------------------------------------


def walk(node: dict[str, Any], depth: int = 1) -> list[tuple[dict[str, Any], int]]:
    out = [(node, depth)]
    for child in node.get("children", []):
        out += walk(child, depth + 1)
    if "child" in node:
        out += walk(node["child"], depth + 1)
    return out


@pytest.mark.parametrize(
    ("style", "depth"),
    list(itertools.product(["auto", "aggressive", "cautious", "friendly", "patrol"], range(2, 7))),
)
def test_behaviour_trees_validate_and_are_exactly_as_deep_as_asked(style: str, depth: int) -> None:
    doc = tree("a guard dog", style=style, depth=depth)
    report = validate_behavior_tree(doc)
    assert report["depth"] == depth
    nodes = walk(doc["root"])
    for node, _ in nodes:
        if node["type"] in ("selector", "sequence", "parallel"):
            assert node["children"], node["id"]
        elif node["type"] == "decorator":
            assert node["child"]
        else:
            assert node["type"] in ("action", "condition")
            assert "children" not in node and "child" not in node
    leaves = [n for n, _ in nodes if "children" not in n and "child" not in n]
    assert {n["type"] for n in leaves} <= {"action", "condition"}


def test_a_guard_that_patrols_and_chases_intruders_gets_those_behaviours() -> None:
    doc = tree("guard patrols and chases intruders", depth=5)
    assert doc["style"] == "patrol"
    words = {n.get("action") or n.get("check") for n, _ in walk(doc["root"])}
    assert {"is_intruder", "shout_warning", "next_waypoint", "move_to_waypoint"} & words
    assert "chase" in json.dumps(doc) and "patrol_route" in doc["blackboard"]
    first = doc["root"]["children"][0]
    assert "guard alert" in first["name"] or "spot intruder" in first["name"]


def test_style_decides_what_comes_first() -> None:
    assert tree("a creature", style="cautious", depth=4)["root"]["children"][0]["name"].startswith("survive")
    assert tree("a creature", style="friendly", depth=4)["root"]["children"][0]["name"].startswith(
        "socialise"
    )


def test_tension_limits_how_many_tasks_the_tree_weighs() -> None:
    intent = "a guard that patrols, chases, hides, trades and follows"
    low, high = tree(intent, tension="low"), tree(intent, tension="high")
    assert len(low["root"]["children"]) == 3 < len(high["root"]["children"])


def test_behaviour_tree_is_deterministic() -> None:
    assert tree("a shy fox", seed=2) == tree("a shy fox", seed=2)


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


# Balance ------------------------------------------------------------------------------------------


def roster() -> list[dict[str, Any]]:
    return [
        {"name": "Slime", "level": 1, "stats": {"health": 30, "attack": 9, "cooldown": 2.0}},
        {"name": "Wolf", "level": 5, "stats": {"health": 20, "attack": 4, "cooldown": 1.5}},
        {"name": "Troll", "level": 12, "stats": {"health": 500, "attack": 12, "cooldown": 3.0}},
        {"name": "Dragon", "level": 20, "stats": {"health": 300, "attack": 40, "cooldown": 1.0}},
    ]


@pytest.mark.parametrize("curve", list(entity.CURVES))
def test_balance_puts_every_stat_on_a_monotonic_curve_by_level(curve: str) -> None:
    result = rebalance(roster(), curve=curve)
    after = sorted(json.loads(result.outputs[0].data), key=lambda e: e["level"])
    for stat in ("health", "attack"):
        values = [e["stats"][stat] for e in after]
        assert values == sorted(values) and values[0] < values[-1], (curve, stat)
        assert (values[0], values[-1]) == (
            min(s["stats"][stat] for s in roster()),
            max(s["stats"][stat] for s in roster()),
        )
    cooldowns = [e["stats"]["cooldown"] for e in after]
    assert cooldowns == sorted(cooldowns, reverse=True)


def test_curves_differ_in_the_middle_the_way_their_names_say() -> None:
    def mid(curve: str) -> float:
        units = [
            {"name": str(i), "level": lvl, "stats": {"power": p}}
            for i, (lvl, p) in enumerate([(1, 0), (11, 50), (21, 1000)])
        ]
        out = json.loads(rebalance(units, curve=curve, levels=21).outputs[0].data)
        return float(out[1]["stats"]["power"])

    assert mid("exponential") < mid("linear") == 500 < mid("logarithmic")
    assert mid("exponential") < mid("s_curve") < mid("logarithmic")


def test_balance_reports_what_changed_in_markdown_and_json() -> None:
    result = rebalance(roster())
    report = json.loads(result.outputs[2].data)
    markdown = result.outputs[1].data.decode()
    assert report["curve"] == "linear" and report["changes"]
    change = report["changes"][0]
    assert f"**{change['entity']}** {change['stat']}" in markdown
    assert result.outputs[1].mime == "text/markdown"


def test_balance_gives_levels_by_strength_when_none_are_given_and_clamps_levels_beyond_the_span() -> None:
    units = [
        {"name": "big", "hp": 90, "atk": 9},
        {"name": "small", "hp": 5, "atk": 1},
        {"name": "mid", "hp": 40, "atk": 4},
    ]
    out = {
        e["name"]: e for e in json.loads(rebalance({"entities": units}, levels=5).outputs[0].data)["entities"]
    }
    assert (out["small"]["level"], out["mid"]["level"], out["big"]["level"]) == (1, 3, 5)
    clamped = rebalance([{"name": "a", "level": 50, "hp": 3}, {"name": "b", "level": 1, "hp": 1}], levels=10)
    assert json.loads(clamped.outputs[0].data)[0]["level"] == 10
    assert any("now 10" in n for n in json.loads(clamped.outputs[2].data)["notes"])


def test_balanced_archetypes_still_validate_as_entities() -> None:
    team = [
        make(intent, seed=i, level=lvl)
        for i, (intent, lvl) in enumerate([("a rat", 1), ("a wolf", 6), ("a troll", 14), ("a fire boss", 20)])
    ]
    out = json.loads(rebalance(team, curve="exponential").outputs[0].data)
    healths = [e["stats"]["health"] for e in out]
    assert healths == sorted(healths)
    for doc in out:
        validate_entity(doc)
        assert doc["components"]["Health"]["max"] == doc["stats"]["health"]


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[]",
        b"42",
        json.dumps([{"name": "x"}]).encode(),
        json.dumps([1, 2]).encode(),
        json.dumps([{"level": "high", "hp": 1}]).encode(),
    ],
)
def test_unusable_entity_files_are_refused_naming_the_entities_param(raw: bytes) -> None:
    with pytest.raises(GeneratorInputError) as info:
        rebalance(raw)
    assert info.value.field == "entities"


def test_balance_without_an_attachment_names_the_missing_param() -> None:
    with pytest.raises(GeneratorInputError) as info:
        entity.balance(GenRequest(intent="", params=BALANCE, seed=1))
    assert info.value.field == "entities"


def test_balance_is_deterministic() -> None:
    a, b = rebalance(roster(), curve="s_curve"), rebalance(roster(), curve="s_curve")
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]
