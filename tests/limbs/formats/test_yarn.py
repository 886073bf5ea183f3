"""limbs.formats.yarn: the Yarn Spinner parser and the checks of a script's graph."""

from __future__ import annotations

import pytest

from limbs.formats import OutputInvalid
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


def test_ifs_nested_deeper_than_python_can_walk_are_refused_not_a_crash() -> None:
    depth = 1000  # each level costs the parser at least one Python frame
    opened = "".join("    " * i + "<<if $a>>\n" for i in range(depth))
    closed = "".join("    " * i + "<<endif>>\n" for i in reversed(range(depth)))
    text = node("Start", "<<set $a to 1>>\n" + opened + closed + "<<stop>>")
    with pytest.raises(OutputInvalid, match="nested too deeply"):
        validate_yarn(text)
