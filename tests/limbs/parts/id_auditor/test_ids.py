"""The id tables both id_auditor actions read, and the arithmetic on sorted ids."""

from __future__ import annotations

import pytest

from limbs.parts.id_auditor import audit, reserve
from limbs.parts.id_auditor._ids import build_ids_input, gaps, parse_sources, ranges
from limbs.spec import GeneratorInputError, GenRequest


def test_ranges_and_gaps_of_sorted_ids() -> None:
    assert ranges([]) == [] and gaps([]) == []
    assert ranges([4]) == [(4, 4)] and gaps([4]) == []
    assert ranges([0, 1, 2, 5, 7, 8]) == [(0, 2), (5, 5), (7, 8)]
    assert gaps([0, 1, 2, 5, 7, 8]) == [(3, 4), (6, 6)]


@pytest.mark.parametrize(
    "raw",
    [
        None,
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"sources": {}}',
        b'{"sources": [1]}',
        b'{"sources": [{"name": "", "kind": "relic", "ids": {}}]}',
        b'{"sources": [{"name": "a", "kind": "mod", "ids": {}}]}',
        b'{"sources": [{"name": "a", "kind": "relic", "ids": []}]}',
        b'{"sources": [{"name": "a", "kind": "relic", "ids": {"item": 5}}]}',
        b'{"sources": [{"name": "a", "kind": "relic", "ids": {"item": [1.5]}}]}',
        b'{"sources": [{"name": "a", "kind": "relic", "ids": {"item": [true]}}]}',
        b'{"sources": [{"name": "a", "kind": "relic", "ids": {"item": [-1]}}]}',
        b'{"sources": [{"name": "a", "kind": "relic", "ids": {"item": [2147483648]}}]}',
        b'{"sources": [{"name": "a", "kind": "relic", "ids": {"Item": [1]}}]}',
        b'{"sources": [{"name": "a", "kind": "relic", "ids": {"item": [{"id": 1, "where": 3}]}}]}',
        b'{"sources": [{"name": "a", "kind": "relic", "ids": {}}, '
        b'{"name": "a", "kind": "project", "ids": {}}]}',
    ],
)
def test_bad_id_tables_raise_an_input_error_naming_ids(raw: bytes | None) -> None:
    inputs = {} if raw is None else {"ids": raw}
    for generator, params in ((audit.make, {}), (reserve.make, {"type": "item", "count": 1})):
        with pytest.raises(GeneratorInputError) as err:
            generator(GenRequest(intent="", params=params, seed=0, inputs=inputs))
        assert err.value.field == "ids"
        assert err.value.message


def test_build_ids_input_round_trips_through_the_parser() -> None:
    raw = build_ids_input([("rsc204", "relic", {"item": range(3)}), ("game", "project", {"npc": [4, 4]})])
    sources = parse_sources(raw)
    assert [(s.name, s.kind, s.ids) for s in sources] == [
        ("rsc204", "relic", {"item": [0, 1, 2]}),
        ("game", "project", {"npc": [4, 4]}),
    ]
