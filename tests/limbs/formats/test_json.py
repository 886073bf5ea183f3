"""limbs.formats.json: JSON parses; a document that declares what it is (a quest, a world
bible, an entity, a behaviour tree) is held to that document's rules; and its preview is
chosen from what it is."""

from __future__ import annotations

import json
from typing import Any

import pytest

from limbs.formats import OutputInvalid, preview_kind, sniff
from limbs.formats.json import FORMAT, MAX_PREVIEW_BYTES, preview_of, read_json, validate_json
from limbs.parts.divine import quest, world_bible
from limbs.parts.entity import archetype, behavior_tree
from limbs.spec import GenRequest, Make

DEEP = b"[" * 100_000 + b"]" * 100_000


def made(make: Make, mime: str = "application/json", **params: Any) -> dict[str, Any]:
    """The JSON document a maker writes, parsed."""
    result = make(GenRequest(intent="a fire boss in a haunted castle", params=params, seed=2))
    doc: dict[str, Any] = json.loads(next(o.data for o in result.outputs if o.mime == mime))
    return doc


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return {
        "quest": made(quest.make, steps=4, branches=True, reward="auto", difficulty="normal"),
        "world_bible": made(world_bible.make, genre="auto", factions=2, places=3, eras=2),
        "entity": made(archetype.make, role="boss", level=5, inventory_slots=4),
        "behavior_tree": made(behavior_tree.make, style="auto", depth=3),
    }


def raw(doc: Any) -> bytes:
    return json.dumps(doc).encode()


@pytest.mark.parametrize("data", [b"{}", b"[1, 2, 3]", b'"text"', b"null", b'{"format": "someone.else/1"}'])
def test_json_that_declares_nothing_the_studio_knows_only_has_to_parse(data: bytes) -> None:
    assert validate_json(data) == {"bytes": len(data)}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "JSON does not parse"),
        (b"{nope", "JSON does not parse"),
        (b'{"a": 1} trailing', "JSON does not parse"),
        (b'{"caf\xe9": 1}', "JSON does not parse"),
        (DEEP, "nested too deeply"),
    ],
)
def test_what_does_not_parse_is_refused_and_deep_nesting_is_not_a_crash(data: bytes, message: str) -> None:
    with pytest.raises(OutputInvalid, match=message):
        validate_json(data)


def test_each_document_the_studio_writes_is_checked_by_its_own_rules(
    documents: dict[str, dict[str, Any]],
) -> None:
    assert "success_ends" in validate_json(raw(documents["quest"]))
    assert "factions" in validate_json(raw(documents["world_bible"]))
    assert validate_json(raw(documents["entity"]))["archetype"] == "boss"
    assert validate_json(raw(documents["behavior_tree"]))["depth"] == 3


@pytest.mark.parametrize(
    ("kind", "break_it", "message"),
    [
        ("quest", lambda d: d.__setitem__("start", "nowhere"), "start state 'nowhere' does not exist"),
        ("world_bible", lambda d: d["factions"][0].__setitem__("seat", "atlantis"), "not a place"),
        ("entity", lambda d: d["components"]["AI"].__setitem__("default_behaviour", "dance"), "'dance'"),
        ("behavior_tree", lambda d: d["blackboard"].clear(), "blackboard key"),
    ],
)
def test_a_broken_document_is_refused_by_the_rules_it_declared(
    documents: dict[str, dict[str, Any]], kind: str, break_it: Any, message: str
) -> None:
    doc = json.loads(raw(documents[kind]))
    break_it(doc)
    with pytest.raises(OutputInvalid, match=message):
        validate_json(raw(doc))


def test_a_document_that_drops_its_declaration_is_plain_json(documents: dict[str, dict[str, Any]]) -> None:
    doc = dict(documents["quest"], start="nowhere")
    del doc["format"]
    assert validate_json(raw(doc)) == {"bytes": len(raw(doc))}


def test_quests_and_entities_get_pictures_of_their_own_and_other_json_reads_as_code(
    documents: dict[str, dict[str, Any]],
) -> None:
    assert preview_of(raw(documents["quest"])) == "quest"
    assert preview_of(raw(documents["entity"])) == "entity"
    assert preview_of(raw(documents["world_bible"])) == "code"
    assert preview_of(raw(documents["behavior_tree"])) == "code"
    assert preview_kind("application/json", lambda: raw(documents["quest"])) == "quest"


@pytest.mark.parametrize("data", [b"{nope", DEEP, b'{"caf\xe9": 1}'])
def test_json_that_cannot_be_read_previews_as_code(data: bytes) -> None:
    assert read_json(data) is None
    assert preview_of(data) == "code"


def test_a_document_too_big_to_preview_is_shown_as_text(documents: dict[str, dict[str, Any]]) -> None:
    big = dict(documents["quest"], padding="x" * MAX_PREVIEW_BYTES)
    assert read_json(raw(big)) is None
    assert preview_of(raw(big)) == "code"
    assert read_json(raw(documents["quest"])) == documents["quest"]


@pytest.mark.parametrize("data", [b'{"a": 1}', b"  \n [1]", b'[{"deep": [[]]}]'])
def test_json_is_sniffed_by_its_bracket_and_a_clean_parse(data: bytes) -> None:
    assert sniff(data) is FORMAT


@pytest.mark.parametrize("data", [b"{nope", b"1234", b'"text"', DEEP])
def test_what_only_looks_like_json_is_not_sniffed_as_json(data: bytes) -> None:
    assert sniff(data) is not FORMAT
