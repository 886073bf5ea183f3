"""divine.dialogue: valid Yarn scripts, their choices, cast and tone."""

from __future__ import annotations

import re
from typing import Any

import pytest

from limbs.formats.yarn import Jump, OptionGroup, Stop, parse_yarn, validate_yarn
from limbs.parts.divine import dialogue
from limbs.spec import GenRequest, GenResult, Tension

TALK = {"characters": 2, "lines": 12, "choices": True, "tone": "auto"}


def run(
    fn: Any, intent: str, defaults: dict[str, Any], seed: int = 1, tension: Tension = "medium", **params: Any
) -> GenResult:
    result: GenResult = fn(
        GenRequest(intent=intent, params={**defaults, **params}, seed=seed, tension=tension)
    )
    return result


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
        dialogue.make,
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
        run(dialogue.make, "a wizard and a cat", TALK, lines=20).outputs[0].data.decode()
    )
    groups = [s for t in with_choices.nodes for s in with_choices.walk(t) if isinstance(s, OptionGroup)]
    assert any(
        len({o.body[-1].target for o in g.options if isinstance(o.body[-1], Jump)}) >= 2 for g in groups
    )
    linear = parse_yarn(
        run(dialogue.make, "a wizard and a cat", TALK, lines=20, choices=False).outputs[0].data.decode()
    )
    assert not [s for t in linear.nodes for s in linear.walk(t) if isinstance(s, OptionGroup)]


def test_dialogue_tension_buys_follow_up_choices_inside_topics() -> None:
    def groups(tension: Tension) -> int:
        result = run(dialogue.make, "a bard and a witch", TALK, tension=tension, lines=40)
        validate_yarn(result.outputs[0].data)
        return sum(title.endswith("_More") for title in result.meta["nodes"])

    assert groups("low") == 0 < groups("high")


def test_dialogue_casts_the_roles_named_in_the_intent() -> None:
    result = run(dialogue.make, "a conversation between a shopkeeper and a thief", TALK)
    assert [c["role"] for c in result.meta["characters"]] == ["shopkeeper", "thief"]
    text = result.outputs[0].data.decode()
    assert "amulet" in text or "ruby" in text or "vault" in text or "prices" in text


def test_dialogue_tone_comes_from_the_words_when_auto() -> None:
    spooky = run(dialogue.make, "a spooky chat with a ghost", TALK)
    assert spooky.meta["tone"] == "spooky"
    lines = {
        line.split(": ", 1)[1]
        for line in spooky.outputs[0].data.decode().splitlines()
        if re.match(r"^\s*[A-Z]\w*: ", line) and not line.startswith("title")
    }
    bank = {t.split("{")[0][:12] for ts in dialogue._TONES["spooky"].values() for t in ts}
    assert any(line[:12] in bank or line.startswith(tuple(b for b in bank if b)) for line in lines)


def test_dialogue_is_deterministic() -> None:
    a = run(dialogue.make, "a knight and a dragon", TALK, seed=5)
    b = run(dialogue.make, "a knight and a dragon", TALK, seed=5)
    assert a.outputs[0].data == b.outputs[0].data
