"""The narrative validators: the Yarn parser, Yarn graph checks, quest graphs, world bibles."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from limbs.formats import OutputInvalid
from limbs.formats.mermaid import validate_mermaid
from limbs.formats.quest import validate_quest
from limbs.formats.world_bible import validate_world_bible
from limbs.formats.yarn import If, Jump, Line, OptionGroup, Stop, parse_yarn, validate_yarn

GOOD_YARN = """\
// A shop scene
title: Start
tags: intro
position: 0,0
---
<<declare $trust = 0>>
Mira: Welcome to my shop! #line:a1
Rook: Just looking.
-> Ask about the amulet
    <<set $trust to $trust + 1>>
    Mira: It glows at night.
    <<jump Amulet>>
-> Leave <<if $trust > 0>>
    <<stop>>
-> Say nothing
Mira: Suit yourself.
[[Browse|Amulet]]
===
title: Amulet
---
<<if $trust >= 1>>
    Mira: For you, half price.
<<elseif $trust < 0>>
    Mira: Out!
<<else>>
    Mira: Full price.
<<endif>>
<<stop>>
===
"""


def yarn(*nodes: str) -> str:
    return "\n".join(nodes)


def node(title: str, body: str, tags: str = "") -> str:
    head = f"title: {title}\n" + (f"tags: {tags}\n" if tags else "")
    return f"{head}---\n{body}\n===\n"


# Parsing ---------------------------------------------------------------------------------


def test_parser_reads_headers_lines_speakers_and_strips_comments_and_hashtags() -> None:
    script = parse_yarn(GOOD_YARN)
    assert list(script.nodes) == ["Start", "Amulet"]
    start = script.nodes["Start"]
    assert start.headers["position"] == "0,0"
    assert start.tags == {"intro"}
    first_line = start.body[1]
    assert isinstance(first_line, Line)
    assert (first_line.speaker, first_line.text) == ("Mira", "Welcome to my shop!")


def test_parser_groups_indented_option_bodies_under_their_option() -> None:
    start = parse_yarn(GOOD_YARN).nodes["Start"]
    group = start.body[3]
    assert isinstance(group, OptionGroup)
    assert [o.text for o in group.options] == ["Ask about the amulet", "Leave", "Say nothing"]
    assert group.options[1].condition == "$trust > 0"
    assert isinstance(group.options[0].body[-1], Jump)
    assert isinstance(group.options[1].body[0], Stop)
    assert group.options[2].body == []
    # The unindented line after the group belongs to the node again.
    assert isinstance(start.body[4], Line) and start.body[4].text == "Suit yourself."


def test_parser_reads_if_elseif_else_blocks_and_old_style_links() -> None:
    script = parse_yarn(GOOD_YARN)
    block = script.nodes["Amulet"].body[0]
    assert isinstance(block, If)
    assert [c for c, _ in block.branches] == ["$trust >= 1", "$trust < 0"]
    assert block.otherwise is not None and len(block.otherwise) == 1
    link = script.nodes["Start"].body[5]
    assert isinstance(link, OptionGroup)
    assert link.options[0].text == "Browse"
    assert link.options[0].body == [Jump("Amulet", link.line_no)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: Start\n---\nHi\n", "never closed"),
        ("title: Start\nHi there\n---\n===\n", "header"),
        ("tags: x\n---\nHi\n===\n", "no title"),
        ("title: Start\n---\n<<if $a>>\nHi\n===\n", "<<endif>>"),
        ("title: Start\n---\n<<endif>>\n===\n", "without a matching"),
        ("title: Start\n---\n<<jump>>\n===\n", "needs a node name"),
        ("title: Start\n---\n<<set $a 3>>\n===\n", "<<set"),
        (node("Start", "<<stop>>") + node("Start", "<<stop>>"), "defined twice"),
        ("title: Bad Title\n---\n<<stop>>\n===\n", "not a valid name"),
    ],
)
def test_parser_rejects_malformed_scripts_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(OutputInvalid, match=message):
        parse_yarn(text)


# Yarn graph checks -------------------------------------------------------------------------


def test_a_well_formed_script_passes_and_is_summarised() -> None:
    report = validate_yarn(GOOD_YARN.encode())
    assert report["nodes"] == 2
    assert report["characters"] == ["Mira", "Rook"]
    assert report["variables"] == ["$trust"]
    assert report["end_nodes"] == ["Amulet", "Start"]


def test_a_jump_to_a_missing_node_is_rejected_naming_the_node() -> None:
    text = yarn(node("Start", "A: hi\n<<jump Nowhere>>"))
    with pytest.raises(OutputInvalid, match="missing node 'Nowhere'"):
        validate_yarn(text)


def test_an_option_pointing_at_a_missing_node_is_rejected() -> None:
    text = yarn(node("Start", "-> Go\n    <<jump Gone>>\n-> Stay\n    <<stop>>"))
    with pytest.raises(OutputInvalid, match="'Gone'"):
        validate_yarn(text)


def test_a_node_nobody_can_reach_from_start_is_rejected() -> None:
    text = yarn(node("Start", "A: hi\n<<stop>>"), node("Island", "A: lonely\n<<stop>>"))
    with pytest.raises(OutputInvalid, match="'Island' cannot be reached"):
        validate_yarn(text)


def test_a_node_that_runs_off_its_end_is_a_dead_end_unless_tagged_end() -> None:
    dead = yarn(node("Start", "A: hi\n<<jump Next>>"), node("Next", "A: and then..."))
    with pytest.raises(OutputInvalid, match=r"'Next'.*run off its end"):
        validate_yarn(dead)
    tagged = yarn(node("Start", "A: hi\n<<jump Next>>"), node("Next", "A: the end", tags="end"))
    assert validate_yarn(tagged)["end_nodes"] == ["Next"]


def test_an_option_without_a_way_on_makes_the_node_a_dead_end() -> None:
    text = yarn(node("Start", "-> Go\n    <<stop>>\n-> Dawdle\n    A: hmm"))
    with pytest.raises(OutputInvalid, match="run off its end"):
        validate_yarn(text)


def test_options_that_all_have_conditions_may_offer_nothing_and_so_do_not_end_a_node() -> None:
    text = yarn(node("Start", "<<set $a to 1>>\n-> Go <<if $a > 1>>\n    <<stop>>"))
    with pytest.raises(OutputInvalid, match="run off its end"):
        validate_yarn(text)


def test_an_if_without_else_does_not_count_as_ending_the_node() -> None:
    text = yarn(node("Start", "<<set $a to 1>>\n<<if $a > 0>>\n    <<stop>>\n<<endif>>"))
    with pytest.raises(OutputInvalid, match="run off its end"):
        validate_yarn(text)


def test_a_variable_read_but_never_set_is_rejected() -> None:
    text = yarn(node("Start", "<<if $ghost > 1>>\n    A: boo\n<<endif>>\n<<stop>>"))
    with pytest.raises(OutputInvalid, match=r"\$ghost"):
        validate_yarn(text)


def test_a_script_without_a_start_node_is_rejected() -> None:
    with pytest.raises(OutputInvalid, match="'Start'"):
        validate_yarn(node("Intro", "<<stop>>"))


# Quest graphs ------------------------------------------------------------------------------


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


# Mermaid and world bibles -------------------------------------------------------------------


def test_mermaid_state_diagrams_pass_and_stray_syntax_fails() -> None:
    good = 'stateDiagram-v2\n    state "Begin" as start\n    [*] --> start\n    start --> done : go\n'
    assert validate_mermaid(good)["transitions"] == 2
    with pytest.raises(OutputInvalid, match="line 3"):
        validate_mermaid("stateDiagram-v2\n    [*] --> start\n    start -> done: go: now\n")
    with pytest.raises(OutputInvalid, match="stateDiagram-v2"):
        validate_mermaid("graph TD\n")


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
