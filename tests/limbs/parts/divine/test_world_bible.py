"""divine.world_bible: the world bible's Markdown and JSON, and how the intent flavours them."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from limbs.formats.world_bible import validate_world_bible
from limbs.parts.divine import world_bible
from limbs.parts.divine._theme import FLAVOURS, GENRES
from limbs.spec import GenRequest, GenResult, Tension

WORLD = {"genre": "auto", "factions": 3, "places": 5, "eras": 3}


def run(
    fn: Any, intent: str, defaults: dict[str, Any], seed: int = 1, tension: Tension = "medium", **params: Any
) -> GenResult:
    result: GenResult = fn(
        GenRequest(intent=intent, params={**defaults, **params}, seed=seed, tension=tension)
    )
    return result


def as_json(result: GenResult, index: int = 0) -> Any:
    return json.loads(result.outputs[index].data)


@pytest.mark.parametrize("genre", ["auto", "fantasy", "sci-fi", "spooky", "pirate", "cosy"])
def test_world_bible_markdown_and_json_pass_the_validator_together(genre: str) -> None:
    result = run(world_bible.make, "a kingdom of clockwork bees", WORLD, genre=genre)
    markdown, data = result.outputs
    assert (markdown.mime, data.mime) == ("text/markdown", "application/json")
    report = validate_world_bible(data.data, markdown.data)
    assert report["title"] == as_json(result, 1)["title"]


@pytest.mark.parametrize(
    ("factions", "places", "eras"), [(1, 1, 1), (3, 5, 3), (8, 12, 6), (8, 1, 2), (1, 12, 6)]
)
def test_world_bible_holds_exactly_the_requested_numbers(factions: int, places: int, eras: int) -> None:
    result = run(
        world_bible.make, "a frozen mountain realm", WORLD, factions=factions, places=places, eras=eras
    )
    doc = as_json(result, 1)
    assert (len(doc["factions"]), len(doc["places"]), len(doc["history"])) == (factions, places, eras)
    validate_world_bible(doc, result.outputs[0].data)


def test_world_bible_tension_adds_history_and_detail() -> None:
    low = as_json(run(world_bible.make, "a desert empire", WORLD, tension="low"), 1)
    high = as_json(run(world_bible.make, "a desert empire", WORLD, tension="high"), 1)
    assert [len(e["events"]) for e in low["history"]] == [1, 1, 1]
    assert [len(e["events"]) for e in high["history"]] == [3, 3, 3]
    assert sum(len(f["description"]) for f in high["factions"]) > sum(
        len(f["description"]) for f in low["factions"]
    )


def test_a_volcanic_island_gets_fire_and_sea_flavoured_names() -> None:
    bank = {
        w.lower()
        for key in ("fire", "sea")
        for attr in ("adjs", "nouns", "landforms")
        for w in getattr(FLAVOURS[key], attr)
    }
    bank |= {part.lower() for w in list(bank) for part in w.split()}
    for seed in range(5):
        doc = as_json(run(world_bible.make, "a volcanic island", WORLD, seed=seed), 1)
        assert doc["flavours"] == ["fire", "sea"]
        place_words = [set(re.findall(r"[a-z]+", p["name"].lower())) for p in doc["places"]]
        assert all(ws & bank or any(w.startswith(tuple(bank)) for w in ws) for ws in place_words)
        fiery = sum(bool(set(re.findall(r"[a-z]+", f["name"].lower())) & bank) for f in doc["factions"])
        assert fiery >= 2


def test_world_bible_cross_references_agree_between_json_and_markdown() -> None:
    result = run(world_bible.make, "a haunted swamp", WORLD, factions=4, places=6)
    doc = as_json(result, 1)
    markdown = result.outputs[0].data.decode()
    names = {item["id"]: item["name"] for key in ("factions", "places", "history") for item in doc[key]}
    sections = re.split(r"\n### ", markdown)
    for faction in doc["factions"]:
        section = next(s for s in sections if s.startswith(faction["name"] + "\n"))
        assert f"**Seat:** [{names[faction['seat']]}]" in section
        for rival in faction["rivals"]:
            assert names[rival] in section
            assert faction["id"] in next(f for f in doc["factions"] if f["id"] == rival)["rivals"]
    for place in doc["places"]:
        for other in place["routes"]:
            assert place["id"] in next(p for p in doc["places"] if p["id"] == other)["routes"]


def test_world_bible_is_deterministic_and_seed_sensitive() -> None:
    a = run(world_bible.make, "a pirate archipelago", WORLD, seed=7)
    b = run(world_bible.make, "a pirate archipelago", WORLD, seed=7)
    c = run(world_bible.make, "a pirate archipelago", WORLD, seed=8)
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]
    assert a.outputs[1].data != c.outputs[1].data
    assert as_json(a, 1)["genre"] == "pirate"


def test_world_bible_genre_choice_changes_the_kind_of_groups() -> None:
    doc = as_json(run(world_bible.make, "a quiet land", WORLD, genre="sci-fi", factions=6), 1)
    groups = GENRES["sci-fi"].groups
    assert all(any(g in f["name"] for g in groups) for f in doc["factions"])
