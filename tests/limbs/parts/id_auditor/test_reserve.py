"""id_auditor.reserve: free runs of ids that clash with nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from limbs.parts.id_auditor import reserve
from limbs.parts.id_auditor.reserve import free_run
from limbs.spec import GeneratorInputError, GenRequest, GenResult

# Items 0..9 then 12, 13 and 20, with 3 and 12 used twice: gaps 10-11 and 14-19.
ITEMS = [0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 12, 12, 13, 20]


def ids_input(*sources: tuple[str, str, dict[str, list[Any]]]) -> bytes:
    return json.dumps({"sources": [{"name": n, "kind": k, "ids": ids} for n, k, ids in sources]}).encode()


def run_reserve(ids: bytes, **params: Any) -> GenResult:
    return reserve.make(GenRequest(intent="", params=params, seed=0, snapshots={"ids": ids}))


def report_of(result: GenResult) -> dict[str, Any]:
    main = [o for o in result.outputs if o.role == "main"]
    assert len(main) == 1 and main[0].mime == "application/json"
    doc: dict[str, Any] = json.loads(main[0].data)
    return doc


def test_free_run_goes_above_the_highest_id_unless_gaps_are_wanted() -> None:
    used = [0, 1, 5, 6, 10]
    assert free_run(used, 3, False) == 11
    assert free_run(used, 3, True) == 2  # 2..4 fits exactly
    assert free_run(used, 4, True) == 11  # neither gap holds four
    assert free_run(used, 1, True) == 2
    assert free_run([], 5, False) == 0 and free_run([], 5, True) == 0
    assert free_run([3, 4], 3, True) == 0
    assert free_run([0, 1], 2, False, max_id=2) is None


def test_reserve_never_returns_a_used_id_and_skips_gaps_by_default() -> None:
    ids = ids_input(
        ("game", "project", {"item": [0, 1, 2, 10, 11]}),
        ("rsc204", "relic", {"item": [3, 4, 5, 30], "npc": [500]}),
    )
    out = report_of(run_reserve(ids, type="item", count=4))
    assert out["ids"] == [31, 32, 33, 34] and out["ranges"] == [[31, 34]]
    assert out["in_gap"] is False and out["highest_used"] == 30
    used = {0, 1, 2, 10, 11, 3, 4, 5, 30}
    for count in (1, 4, 5, 14, 15, 300):
        for fill in (False, True):
            got = report_of(run_reserve(ids, type="item", count=count, fill_gaps=fill))["ids"]
            assert len(got) == count and not used & set(got)
            assert got == list(range(got[0], got[0] + count))


def test_reserve_fills_gaps_only_when_asked() -> None:
    ids = ids_input(
        ("game", "project", {"item": [0, 1, 2, 10, 11]}),
        ("rsc204", "relic", {"item": [3, 4, 5, 30]}),
    )
    assert report_of(run_reserve(ids, type="item", count=4, fill_gaps=True))["ids"] == [6, 7, 8, 9]
    assert report_of(run_reserve(ids, type="item", count=4, fill_gaps=False))["ids"] == [31, 32, 33, 34]
    # No gap holds five in a row: the run goes above everything instead of splitting.
    five = report_of(run_reserve(ids, type="item", count=5, fill_gaps=True))
    assert five["ids"] == [12, 13, 14, 15, 16] and five["in_gap"] is True


def test_reserve_of_a_kind_nobody_uses_starts_at_zero_and_respects_max_id() -> None:
    ids = ids_input(("game", "project", {"item": [0]}))
    assert report_of(run_reserve(ids, type="sound", count=3))["ids"] == [0, 1, 2]
    with pytest.raises(GeneratorInputError) as err:
        run_reserve(ids_input(("g", "project", {"item": [0, 1]})), type="item", count=2, max_id=2)
    assert err.value.field == "count"


def test_reserve_is_deterministic_and_checks_its_params() -> None:
    ids = ids_input(("game", "project", {"item": ITEMS}))
    assert run_reserve(ids, type="item", count=3).outputs == run_reserve(ids, type="item", count=3).outputs
    for params, field in (
        ({"type": "item", "count": 0}, "count"),
        ({"type": "item", "count": 1001}, "count"),
        ({"type": "item", "count": True}, "count"),
        ({"type": "Item!", "count": 1}, "type"),
        ({"type": "item", "count": 1, "fill_gaps": "yes"}, "fill_gaps"),
    ):
        with pytest.raises(GeneratorInputError) as err:
            run_reserve(ids, **params)
        assert err.value.field == field
