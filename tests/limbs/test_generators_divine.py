"""The procedural narrative generators: world bibles, quests, Yarn dialogue and names."""

from __future__ import annotations

import itertools
import json
import random
import re
from typing import Any

import pytest

from limbs.craft import markov as _markov
from limbs.craft.grammar import Grammar, GrammarError
from limbs.formats.mermaid import validate_mermaid
from limbs.formats.quest import validate_quest
from limbs.formats.world_bible import validate_world_bible
from limbs.formats.yarn import Jump, OptionGroup, Stop, parse_yarn, validate_yarn
from limbs.generators import divine
from limbs.spec import GenRequest, GenResult, Tension

WORLD = {"genre": "auto", "factions": 3, "places": 5, "eras": 3}
QUEST = {"steps": 5, "branches": True, "reward": "auto", "difficulty": "normal"}
TALK = {"characters": 2, "lines": 12, "choices": True, "tone": "auto"}
NAMES = {"count": 10, "culture": "auto", "length": "medium"}


def run(
    fn: Any, intent: str, defaults: dict[str, Any], seed: int = 1, tension: Tension = "medium", **params: Any
) -> GenResult:
    result: GenResult = fn(
        GenRequest(intent=intent, params={**defaults, **params}, seed=seed, tension=tension)
    )
    return result


def as_json(result: GenResult, index: int = 0) -> Any:
    return json.loads(result.outputs[index].data)


# The grammar and the name chains ------------------------------------------------------------


def test_grammar_expands_symbols_with_modifiers_and_remembers_bindings() -> None:
    g = Grammar(
        {"beast": ["owl"], "hero": ["#beast.capitalize#"], "story": ["[who:#hero#]#who# met #who.a#"]},
        random.Random(1),
    )
    assert g.flatten("story") == "Owl met an Owl"
    assert g.expand("#beast.s# and #beast.a.title#") == "owls and An Owl"


def test_grammar_reports_missing_rules_and_endless_recursion() -> None:
    g = Grammar({"loop": ["#loop#"]}, random.Random(1))
    with pytest.raises(GrammarError, match="deeper"):
        g.flatten("loop")
    with pytest.raises(GrammarError, match="no rule"):
        g.flatten("nothing")


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("Elarion", True),
        ("Thrain", True),
        ("Strk", False),
        ("Aeiou", False),
        ("Brrrm", False),
        ("Ardwen", False),
        ("O'k", False),
    ],
)
def test_the_pronounceability_rule_counts_consonant_and_vowel_runs(name: str, ok: bool) -> None:
    assert _markov.is_pronounceable(name) is ok


# World bible ----------------------------------------------------------------------------------


@pytest.mark.parametrize("genre", ["auto", "fantasy", "sci-fi", "spooky", "pirate", "cosy"])
def test_world_bible_markdown_and_json_pass_the_validator_together(genre: str) -> None:
    result = run(divine.world_bible, "a kingdom of clockwork bees", WORLD, genre=genre)
    markdown, data = result.outputs
    assert (markdown.mime, data.mime) == ("text/markdown", "application/json")
    report = validate_world_bible(data.data, markdown.data)
    assert report["title"] == as_json(result, 1)["title"]


@pytest.mark.parametrize(
    ("factions", "places", "eras"), [(1, 1, 1), (3, 5, 3), (8, 12, 6), (8, 1, 2), (1, 12, 6)]
)
def test_world_bible_holds_exactly_the_requested_numbers(factions: int, places: int, eras: int) -> None:
    result = run(
        divine.world_bible, "a frozen mountain realm", WORLD, factions=factions, places=places, eras=eras
    )
    doc = as_json(result, 1)
    assert (len(doc["factions"]), len(doc["places"]), len(doc["history"])) == (factions, places, eras)
    validate_world_bible(doc, result.outputs[0].data)


def test_world_bible_tension_adds_history_and_detail() -> None:
    low = as_json(run(divine.world_bible, "a desert empire", WORLD, tension="low"), 1)
    high = as_json(run(divine.world_bible, "a desert empire", WORLD, tension="high"), 1)
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
        for w in getattr(divine.FLAVOURS[key], attr)
    }
    bank |= {part.lower() for w in list(bank) for part in w.split()}
    for seed in range(5):
        doc = as_json(run(divine.world_bible, "a volcanic island", WORLD, seed=seed), 1)
        assert doc["flavours"] == ["fire", "sea"]
        place_words = [set(re.findall(r"[a-z]+", p["name"].lower())) for p in doc["places"]]
        assert all(ws & bank or any(w.startswith(tuple(bank)) for w in ws) for ws in place_words)
        fiery = sum(bool(set(re.findall(r"[a-z]+", f["name"].lower())) & bank) for f in doc["factions"])
        assert fiery >= 2


def test_world_bible_cross_references_agree_between_json_and_markdown() -> None:
    result = run(divine.world_bible, "a haunted swamp", WORLD, factions=4, places=6)
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
    a = run(divine.world_bible, "a pirate archipelago", WORLD, seed=7)
    b = run(divine.world_bible, "a pirate archipelago", WORLD, seed=7)
    c = run(divine.world_bible, "a pirate archipelago", WORLD, seed=8)
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]
    assert a.outputs[1].data != c.outputs[1].data
    assert as_json(a, 1)["genre"] == "pirate"


def test_world_bible_genre_choice_changes_the_kind_of_groups() -> None:
    doc = as_json(run(divine.world_bible, "a quiet land", WORLD, genre="sci-fi", factions=6), 1)
    groups = divine.GENRES["sci-fi"].groups
    assert all(any(g in f["name"] for g in groups) for f in doc["factions"])


# Quest ------------------------------------------------------------------------------------


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
        divine.quest, "a quest about a lost cat", QUEST, steps=steps, branches=branches, difficulty=difficulty
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
    result = run(divine.quest, "deliver a letter to the lighthouse", QUEST, steps=7, difficulty="hard")
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
    doc = as_json(run(divine.quest, "defeat the swamp troll", QUEST, reward=reward))
    end = next(s for s in doc["states"] if s["id"] == "end_success")
    assert end["rewards"][0]["type"] == reward


def test_quest_reads_its_subject_and_kind_from_the_intent() -> None:
    result = run(divine.quest, "a quest about a lost cat", QUEST)
    assert (result.meta["kind"], result.meta["subject"]) == ("rescue", "cat")
    assert "cat" in json.dumps(as_json(result)["states"])


def test_harder_quests_ask_for_more_and_pay_more() -> None:
    def totals(difficulty: str) -> tuple[int, int]:
        doc = as_json(
            run(
                divine.quest,
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
    a = run(divine.quest, "escort the merchant", QUEST, seed=3)
    b = run(divine.quest, "escort the merchant", QUEST, seed=3)
    assert [o.data for o in a.outputs] == [o.data for o in b.outputs]


# Dialogue ---------------------------------------------------------------------------------


def yarn_edges(text: str) -> tuple[dict[str, set[str]], set[str]]:
    script = parse_yarn(text)
    edges = {t: {s.target for s in script.walk(t) if isinstance(s, Jump)} for t in script.nodes}
    ends = {t for t in script.nodes if any(isinstance(s, Stop) for s in script.walk(t))}
    return edges, ends


@pytest.mark.parametrize(
    ("characters", "lines", "choices", "tone"),
    [
        (2, 4, True, "auto"),
        (2, 12, True, "friendly"),
        (3, 20, True, "funny"),
        (5, 4, True, "spooky"),
        (5, 60, True, "serious"),
        (2, 4, False, "auto"),
        (4, 30, False, "spooky"),
        (3, 60, False, "funny"),
    ],
)
def test_dialogue_is_valid_yarn_where_every_node_can_reach_an_end(
    characters: int, lines: int, choices: bool, tone: str
) -> None:
    result = run(
        divine.dialogue,
        "a conversation between a shopkeeper and a thief",
        TALK,
        characters=characters,
        lines=lines,
        choices=choices,
        tone=tone,
    )
    out = result.outputs[0]
    assert out.mime == "text/x-yarn" and out.name.endswith(".yarn")
    report = validate_yarn(out.data)
    assert len(report["characters"]) == characters
    # Every speaker greets, and a branching script needs a few lines of frame.
    assert report["lines"] == max(lines, characters + (5 if choices else 1))
    edges, ends = yarn_edges(out.data.decode())
    assert ends
    for title in edges:
        seen, todo = {title}, [title]
        while todo:
            for nxt in edges[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        assert seen & ends, f"{title} never reaches an end"


def test_dialogue_choices_offer_branching_options_and_none_when_switched_off() -> None:
    with_choices = parse_yarn(
        run(divine.dialogue, "a wizard and a cat", TALK, lines=20).outputs[0].data.decode()
    )
    groups = [s for t in with_choices.nodes for s in with_choices.walk(t) if isinstance(s, OptionGroup)]
    assert any(
        len({o.body[-1].target for o in g.options if isinstance(o.body[-1], Jump)}) >= 2 for g in groups
    )
    linear = parse_yarn(
        run(divine.dialogue, "a wizard and a cat", TALK, lines=20, choices=False).outputs[0].data.decode()
    )
    assert not [s for t in linear.nodes for s in linear.walk(t) if isinstance(s, OptionGroup)]


def test_dialogue_tension_buys_follow_up_choices_inside_topics() -> None:
    def groups(tension: Tension) -> int:
        result = run(divine.dialogue, "a bard and a witch", TALK, tension=tension, lines=40)
        validate_yarn(result.outputs[0].data)
        return sum(title.endswith("_More") for title in result.meta["nodes"])

    assert groups("low") == 0 < groups("high")


def test_dialogue_casts_the_roles_named_in_the_intent() -> None:
    result = run(divine.dialogue, "a conversation between a shopkeeper and a thief", TALK)
    assert [c["role"] for c in result.meta["characters"]] == ["shopkeeper", "thief"]
    text = result.outputs[0].data.decode()
    assert "amulet" in text or "ruby" in text or "vault" in text or "prices" in text


def test_dialogue_tone_comes_from_the_words_when_auto() -> None:
    spooky = run(divine.dialogue, "a spooky chat with a ghost", TALK)
    assert spooky.meta["tone"] == "spooky"
    lines = {
        line.split(": ", 1)[1]
        for line in spooky.outputs[0].data.decode().splitlines()
        if re.match(r"^\s*[A-Z]\w*: ", line) and not line.startswith("title")
    }
    bank = {t.split("{")[0][:12] for ts in divine._TONES["spooky"].values() for t in ts}
    assert any(line[:12] in bank or line.startswith(tuple(b for b in bank if b)) for line in lines)


def test_dialogue_is_deterministic() -> None:
    a = run(divine.dialogue, "a knight and a dragon", TALK, seed=5)
    b = run(divine.dialogue, "a knight and a dragon", TALK, seed=5)
    assert a.outputs[0].data == b.outputs[0].data


# Names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("culture", "length"), list(itertools.product(_markov.STYLES, _markov.LENGTHS)))
def test_names_are_unique_new_pronounceable_and_the_right_length(culture: str, length: str) -> None:
    result = run(divine.names, "", NAMES, count=50, culture=culture, length=length)
    made = as_json(result)
    assert len(made) == 50 and len({n.lower() for n in made}) == 50
    lo, hi = _markov.LENGTHS[length]
    corpus = set(_markov.CORPORA[culture])
    for name in made:
        assert _markov.is_pronounceable(name), name
        assert lo <= len(name) <= hi, name
        assert name.lower() not in corpus
    assert result.outputs[1].data.decode().splitlines() == made


@pytest.mark.parametrize(
    ("intent", "culture"),
    [
        ("names for elves", "elvish"),
        ("dwarf miners", "dwarvish"),
        ("an orc war band", "orcish"),
        ("robot crew", "robot"),
        ("towns on my map", "place"),
        ("a baker", "human"),
    ],
)
def test_auto_culture_is_read_from_the_intent(intent: str, culture: str) -> None:
    assert run(divine.names, intent, NAMES).meta["culture"] == culture


def test_names_follow_their_culture_more_than_another() -> None:
    elvish = as_json(run(divine.names, "", NAMES, count=30, culture="elvish"))
    orcish = as_json(run(divine.names, "", NAMES, count=30, culture="orcish"))
    elf_chain, orc_chain = _markov.chain("elvish"), _markov.chain("orcish")
    assert (
        sum(elf_chain.log_likelihood(n.lower()) > orc_chain.log_likelihood(n.lower()) for n in elvish) >= 25
    )
    assert (
        sum(orc_chain.log_likelihood(n.lower()) > elf_chain.log_likelihood(n.lower()) for n in orcish) >= 25
    )


def test_names_are_deterministic_and_count_is_honoured() -> None:
    a = run(divine.names, "elves", NAMES, count=1, seed=9)
    b = run(divine.names, "elves", NAMES, count=1, seed=9)
    assert a.outputs[0].data == b.outputs[0].data
    assert len(as_json(a)) == 1
