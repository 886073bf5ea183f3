"""divine.quest: completable quests, their Mermaid map, rewards and difficulty."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import pytest

from limbs.formats.mermaid import validate_mermaid
from limbs.formats.quest import validate_quest
from limbs.parts.divine import quest
from limbs.spec import GenRequest, GenResult, Tension

QUEST = {"steps": 5, "branches": True, "reward": "auto", "difficulty": "normal"}


def run(
    fn: Any, intent: str, defaults: dict[str, Any], seed: int = 1, tension: Tension = "medium", **params: Any
) -> GenResult:
    result: GenResult = fn(
        GenRequest(intent=intent, params={**defaults, **params}, seed=seed, tension=tension)
    )
    return result


def as_json(result: GenResult, index: int = 0) -> Any:
    return json.loads(result.outputs[index].data)


def paths(doc: dict[str, Any]) -> list[list[str]]:
    """Every simple path from the start to an end state."""
    states = {s["id"]: s for s in doc["states"]}
    out: list[list[str]] = []
    stack = [[doc["start"]]]
    while stack:
        path = stack.pop()
        state = states[path[-1]]
        if state["kind"] == "end":
            out.append(path)
        for tr in state["transitions"]:
            if tr["to"] not in path:
                stack.append([*path, tr["to"]])
    return out


@pytest.mark.parametrize(
    ("steps", "branches", "difficulty"),
    list(itertools.product([2, 3, 5, 8, 12], [True, False], ["easy", "normal", "hard"])),
)
def test_every_quest_is_completable_and_every_path_has_the_requested_steps(
    steps: int, branches: bool, difficulty: str
) -> None:
    result = run(
        quest.make, "a quest about a lost cat", QUEST, steps=steps, branches=branches, difficulty=difficulty
    )
    doc = as_json(result)
    report = validate_quest(doc)
    assert report["success_ends"]
    states = {s["id"]: s for s in doc["states"]}
    for path in paths(doc):
        if states[path[-1]]["outcome"] == "success":
            assert len(path) - 1 == steps
    forks = [s for s in doc["states"] if len({t["to"] for t in s["transitions"]} - {"end_failure"}) > 1]
    assert bool(forks) == (branches and steps >= 2)
    assert ("end_failure" in states) == (difficulty == "hard")


def test_quest_mermaid_draws_the_same_graph() -> None:
    result = run(quest.make, "deliver a letter to the lighthouse", QUEST, steps=7, difficulty="hard")
    doc = as_json(result)
    diagram = result.outputs[1]
    assert diagram.mime == "text/vnd.mermaid" and diagram.name.endswith(".mmd")
    text = diagram.data.decode()
    validate_mermaid(text)
    edges = set(re.findall(r"^\s+(\w+) --> (\w+) :", text, re.M))
    assert edges == {(s["id"], t["to"]) for s in doc["states"] for t in s["transitions"]}
    for state in doc["states"]:
        assert f" as {state['id']}\n" in text


@pytest.mark.parametrize("reward", ["gold", "item", "friend", "secret"])
def test_quest_reward_choice_lands_on_the_main_ending(reward: str) -> None:
    doc = as_json(run(quest.make, "defeat the swamp troll", QUEST, reward=reward))
    end = next(s for s in doc["states"] if s["id"] == "end_success")
    assert end["rewards"][0]["type"] == reward


def test_quest_reads_its_subject_and_kind_from_the_intent() -> None:
    result = run(quest.make, "a quest about a lost cat", QUEST)
    assert (result.meta["kind"], result.meta["subject"]) == ("rescue", "cat")
    assert "cat" in json.dumps(as_json(result)["states"])


def test_harder_quests_ask_for_more_and_pay_more() -> None:
    def totals(difficulty: str) -> tuple[int, int]:
        doc = as_json(
            run(
                quest.make,
                "gather moonberries",
                QUEST,
                steps=8,
                branches=False,
                reward="gold",
                difficulty=difficulty,
            )
        )
        counts = sum(o["count"] for s in doc["states"] for o in s["objectives"])
        gold = next(s for s in doc["states"] if s["id"] == "end_success")["rewards"][0]["amount"]
        return counts, gold

    easy, hard = totals("easy"), totals("hard")
    assert hard[0] > easy[0] and hard[1] > easy[1]


def test_quest_is_deterministic() -> None:
    a = run(quest.make, "escort the merchant", QUEST, seed=3)
    b = run(quest.make, "escort the merchant", QUEST, seed=3)
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]
