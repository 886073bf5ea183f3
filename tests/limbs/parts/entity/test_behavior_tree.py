"""entity.behavior_tree: behaviour trees exactly as deep as asked, shaped by style and verbs."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from limbs.formats.entity import validate_behavior_tree
from limbs.parts.entity import behavior_tree
from limbs.spec import GenRequest, Tension

TREE = {"style": "auto", "depth": 3}


def tree(intent: str, seed: int = 1, tension: Tension = "medium", **params: Any) -> dict[str, Any]:
    result = behavior_tree.make(
        GenRequest(intent=intent, params={**TREE, **params}, seed=seed, tension=tension)
    )
    doc: dict[str, Any] = json.loads(result.outputs[0].data)
    return doc


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
