"""limbs.formats.world_bible: a world bible's cross references resolve and its Markdown names
everything its JSON holds."""

from __future__ import annotations

import json
from typing import Any

import pytest

from limbs.formats import OutputInvalid
from limbs.formats.world_bible import validate_world_bible


def bible() -> dict[str, Any]:
    return {
        "format": "pog.world_bible/1",
        "title": "The Ash Lands",
        "summary": "A world.",
        "factions": [
            {
                "id": "court",
                "name": "The Court",
                "description": "x",
                "seat": "keep",
                "allies": [],
                "rivals": ["clan"],
            },
            {
                "id": "clan",
                "name": "The Clan",
                "description": "x",
                "seat": "cave",
                "allies": [],
                "rivals": ["court"],
            },
        ],
        "places": [
            {
                "id": "keep",
                "name": "Ash Keep",
                "description": "x",
                "ruled_by": "court",
                "routes": ["cave"],
                "founded_in": "dawn",
            },
            {
                "id": "cave",
                "name": "Ember Cave",
                "description": "x",
                "ruled_by": None,
                "routes": ["keep"],
                "founded_in": "dawn",
            },
        ],
        "history": [
            {
                "id": "dawn",
                "name": "The Dawn",
                "description": "x",
                "start_year": 0,
                "end_year": 100,
                "events": [{"year": 50, "text": "War.", "factions": ["court", "clan"], "places": ["keep"]}],
            },
            {
                "id": "dusk",
                "name": "The Dusk",
                "description": "x",
                "start_year": 101,
                "end_year": 200,
                "events": [],
            },
        ],
    }


MARKDOWN = (
    "# The Ash Lands\n\n## Factions\nThe Court\nThe Clan\n## Places\nAsh Keep\nEmber Cave\n"
    "## History\nThe Dawn\nThe Dusk\n"
)


def test_a_consistent_world_bible_and_its_markdown_pass() -> None:
    report = validate_world_bible(json.dumps(bible()), MARKDOWN)
    assert (report["factions"], report["places"], report["eras"], report["events"]) == (2, 2, 2, 1)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["factions"][0].__setitem__("seat", "atlantis"), "not a place"),
        (lambda d: d["factions"][0].__setitem__("rivals", ["court"]), "itself"),
        (lambda d: d["places"][0].__setitem__("ruled_by", "keep"), "not a faction"),
        (lambda d: d["history"][1].__setitem__("start_year", 90), "overlaps"),
        (lambda d: d["history"][0]["events"][0].__setitem__("year", 150), "outside"),
        (lambda d: d["places"][1].__setitem__("id", "court"), "used by"),
    ],
)
def test_world_bible_cross_references_must_resolve(mutate: Any, message: str) -> None:
    doc = bible()
    mutate(doc)
    with pytest.raises(OutputInvalid, match=message):
        validate_world_bible(doc)


def test_world_bible_markdown_must_name_everything_the_json_holds() -> None:
    with pytest.raises(OutputInvalid, match="Ember Cave"):
        validate_world_bible(bible(), MARKDOWN.replace("Ember Cave", "Some Cave"))
    with pytest.raises(OutputInvalid, match="## History"):
        validate_world_bible(bible(), MARKDOWN.replace("## History", "## Past"))
