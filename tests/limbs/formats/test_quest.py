"""limbs.formats.quest: a quest graph can be completed from its start, every state is
reachable, and every objective and reward is one the studio knows."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from limbs.formats import OutputInvalid
from limbs.formats.quest import validate_quest


def quest_doc() -> dict[str, Any]:
    obj = {"type": "talk", "count": 1, "text": "Talk."}
    return {
        "format": "pog.quest/1",
        "title": "Test",
        "start": "start",
        "states": [
            {
                "id": "start",
                "kind": "start",
                "title": "Begin",
                "objectives": [{**obj, "id": "o1"}],
                "transitions": [{"to": "a", "label": "left"}, {"to": "b", "label": "right"}],
            },
            {
                "id": "a",
                "kind": "step",
                "title": "A",
                "objectives": [{**obj, "id": "o2"}],
                "transitions": [{"to": "done", "label": "ok"}],
            },
            {
                "id": "b",
                "kind": "step",
                "title": "B",
                "objectives": [{**obj, "id": "o3", "type": "collect", "count": 3}],
                "transitions": [{"to": "done", "label": "ok"}],
            },
            {
                "id": "done",
                "kind": "end",
                "outcome": "success",
                "title": "Done",
                "objectives": [],
                "rewards": [{"type": "gold", "amount": 10, "text": "10 gold"}],
                "transitions": [],
            },
        ],
    }


def test_a_completable_quest_passes_and_reports_its_shape() -> None:
    report = validate_quest(json.dumps(quest_doc()).encode())
    assert report["success_ends"] == ["done"]
    assert report["objectives"] == 3
    assert report["longest_path"] == 3


def test_a_quest_whose_only_end_is_unreachable_is_rejected() -> None:
    doc = quest_doc()
    doc["states"][1]["transitions"] = [{"to": "b", "label": "on"}]
    doc["states"][2]["transitions"] = [{"to": "a", "label": "back"}]
    with pytest.raises(OutputInvalid, match=r"'done' cannot be reached"):
        validate_quest(doc)


def test_a_quest_with_only_failure_endings_cannot_be_completed() -> None:
    doc = quest_doc()
    doc["states"][3]["outcome"] = "failure"
    with pytest.raises(OutputInvalid, match="cannot be completed"):
        validate_quest(doc)


def test_a_state_that_loops_forever_without_reaching_an_end_is_a_trap() -> None:
    doc = quest_doc()
    doc["states"][2]["transitions"] = [{"to": "b_loop", "label": "on"}]
    doc["states"].append(
        {
            "id": "b_loop",
            "kind": "step",
            "title": "Loop",
            "objectives": [{"id": "o9", "type": "go", "count": 1, "text": "Go."}],
            "transitions": [{"to": "b", "label": "again"}],
        }
    )
    with pytest.raises(OutputInvalid, match="never reach an end"):
        validate_quest(doc)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["states"][1]["transitions"].__setitem__(0, {"to": "void", "label": "x"}), "'void'"),
        (lambda d: d["states"][1].__setitem__("transitions", []), "dead end"),
        (lambda d: d.__setitem__("start", "nope"), "start state"),
        (lambda d: d["states"][2]["objectives"][0].__setitem__("type", "dance"), "unknown type"),
        (lambda d: d["states"][2]["objectives"][0].__setitem__("count", 0), "at least 1"),
        (lambda d: d["states"][3]["rewards"][0].__setitem__("type", "hugs"), "reward"),
        (lambda d: d["states"][2].__setitem__("id", "a"), "used twice"),
        (lambda d: d.pop("format"), "format"),
    ],
)
def test_broken_quest_graphs_are_rejected_naming_the_fault(mutate: Any, message: str) -> None:
    doc = copy.deepcopy(quest_doc())
    mutate(doc)
    with pytest.raises(OutputInvalid, match=message):
        validate_quest(doc)


def test_an_unreachable_quest_state_is_rejected() -> None:
    doc = quest_doc()
    doc["states"][0]["transitions"] = [{"to": "a", "label": "left"}]
    with pytest.raises(OutputInvalid, match="'b' cannot be reached"):
        validate_quest(doc)


def ladder(steps: int, loop_back: bool = False) -> dict[str, Any]:
    """A quest whose every state leads one or two states on: the number of ways through it
    grows like the Fibonacci numbers (10^8 for 40 states)."""
    obj = {"type": "talk", "count": 1, "text": "Talk."}
    states: list[dict[str, Any]] = []
    for n in range(steps):
        targets = [f"s{m}" for m in (n + 1, n + 2) if m < steps]
        if n >= steps - 2:
            targets.append("done")
        if loop_back and n == steps - 3:
            targets.append("s1")
        states.append(
            {
                "id": "start" if n == 0 else f"s{n}",
                "kind": "start" if n == 0 else "step",
                "title": f"Step {n}",
                "objectives": [{**obj, "id": f"o{n}"}],
                "transitions": [{"to": t, "label": t} for t in targets],
            }
        )
    states.append(
        {
            "id": "done",
            "kind": "end",
            "outcome": "success",
            "title": "Done",
            "objectives": [],
            "transitions": [],
        }
    )
    return {"format": "pog.quest/1", "title": "Ladder", "start": "start", "states": states}


def test_a_quest_with_billions_of_ways_through_is_measured_at_once() -> None:
    assert validate_quest(ladder(400))["longest_path"] == 401


def test_a_quest_with_loops_still_reports_a_longest_path_quickly() -> None:
    assert validate_quest(ladder(60, loop_back=True))["longest_path"] == 61
    # A loop back to the start of a short quest: the whole quest once, then the end.
    assert validate_quest(ladder(6, loop_back=True))["longest_path"] == 7
