"""entity.balance: stats put on a curve by level, with a report of every change."""

from __future__ import annotations

import json
from typing import Any

import pytest

from limbs.formats.entity import validate_entity
from limbs.parts.entity import archetype, balance
from limbs.spec import GeneratorInputError, GenRequest, GenResult

ARCHETYPE = {"role": "auto", "level": 1, "inventory_slots": 8}


BALANCE = {"curve": "linear", "levels": 20}


def make(intent: str, seed: int = 1, **params: Any) -> dict[str, Any]:
    result = archetype.make(GenRequest(intent=intent, params={**ARCHETYPE, **params}, seed=seed))
    doc: dict[str, Any] = json.loads(result.outputs[0].data)
    return doc


def rebalance(entities: Any, **params: Any) -> GenResult:
    raw = entities if isinstance(entities, bytes) else json.dumps(entities).encode()
    return balance.make(GenRequest(intent="", params={**BALANCE, **params}, seed=1, inputs={"entities": raw}))


def roster() -> list[dict[str, Any]]:
    return [
        {"name": "Slime", "level": 1, "stats": {"health": 30, "attack": 9, "cooldown": 2.0}},
        {"name": "Wolf", "level": 5, "stats": {"health": 20, "attack": 4, "cooldown": 1.5}},
        {"name": "Troll", "level": 12, "stats": {"health": 500, "attack": 12, "cooldown": 3.0}},
        {"name": "Dragon", "level": 20, "stats": {"health": 300, "attack": 40, "cooldown": 1.0}},
    ]


@pytest.mark.parametrize("curve", list(balance.CURVES))
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
        balance.make(GenRequest(intent="", params=BALANCE, seed=1))
    assert info.value.field == "entities"


def test_balance_is_deterministic() -> None:
    a, b = rebalance(roster(), curve="s_curve"), rebalance(roster(), curve="s_curve")
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]
