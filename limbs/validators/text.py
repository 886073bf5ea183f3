"""Checks for the narrative outputs: Yarn Spinner scripts, quest graphs, world bibles.

``parse_yarn`` is the studio's own small Yarn Spinner parser: enough of the language for
scripts people write for games (headers, ``---``/``===`` node bodies, ``Name: line``
dialogue, indented ``->`` options, ``<<jump>>``, ``<<set>>``, ``<<declare>>``,
``<<if>>``/``<<elseif>>``/``<<else>>``/``<<endif>>``, ``<<stop>>``, other commands, and
old-style ``[[Text|Node]]`` links). The validators raise ``OutputInvalid`` naming the
first problem a designer would need to fix.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from limbs.validators import OutputInvalid

# ---------------------------------------------------------------------------------------
# Yarn: syntax tree
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    speaker: str | None
    text: str
    line_no: int


@dataclass(frozen=True)
class Command:
    name: str  # "set", "declare", "wait", any custom command
    args: str
    line_no: int


@dataclass(frozen=True)
class Jump:
    target: str
    line_no: int


@dataclass(frozen=True)
class Stop:
    line_no: int


@dataclass(frozen=True)
class Option:
    text: str
    condition: str | None
    body: list[Statement]
    line_no: int


@dataclass(frozen=True)
class OptionGroup:
    options: list[Option]
    line_no: int


@dataclass(frozen=True)
class If:
    branches: list[tuple[str, list[Statement]]]  # (condition, body) for if and each elseif
    otherwise: list[Statement] | None
    line_no: int


Statement = Line | Command | Jump | Stop | OptionGroup | If


@dataclass
class YarnNode:
    title: str
    headers: dict[str, str]
    body: list[Statement]
    line_no: int

    @property
    def tags(self) -> set[str]:
        return set(self.headers.get("tags", "").split())


@dataclass
class YarnScript:
    nodes: dict[str, YarnNode] = field(default_factory=dict)

    def walk(self, title: str) -> Iterable[Statement]:
        """Every statement of one node, nested ones included, in source order."""
        yield from _walk(self.nodes[title].body)


def _walk(body: list[Statement]) -> Iterable[Statement]:
    for stmt in body:
        yield stmt
        if isinstance(stmt, OptionGroup):
            for option in stmt.options:
                yield from _walk(option.body)
        elif isinstance(stmt, If):
            for _, branch in stmt.branches:
                yield from _walk(branch)
            if stmt.otherwise is not None:
                yield from _walk(stmt.otherwise)


# ---------------------------------------------------------------------------------------
# Yarn: parser
# ---------------------------------------------------------------------------------------

_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_HEADER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$")
_COMMAND = re.compile(r"^<<\s*(.*?)\s*>>$")
_OPTION = re.compile(r"^->\s*(.*)$")
_OPTION_COND = re.compile(r"^(.*?)\s*<<\s*if\s+(.+?)\s*>>\s*$")
_SPEAKER = re.compile(r"^([A-Za-z_][A-Za-z0-9_ ]{0,40}?)\s*:\s+(.+)$")
_LINK = re.compile(r"^\[\[(?:([^|\]]*)\|)?\s*([^|\]]+?)\s*\]\]$")
_HASHTAGS = re.compile(r"(?:\s+#[^\s#]+)+\s*$")
_VARIABLE = re.compile(r"\$[A-Za-z_][A-Za-z0-9_]*")
_SET = re.compile(r"^(\$[A-Za-z_][A-Za-z0-9_]*)\s*(?:to|=)\s*(.+)$")


@dataclass(frozen=True)
class _Src:
    indent: int
    text: str
    line_no: int


def _strip_comment(text: str) -> str:
    # "//" starts a comment unless it sits inside a string literal.
    in_string = False
    for i, ch in enumerate(text):
        if ch == '"':
            in_string = not in_string
        elif not in_string and text.startswith("//", i):
            return text[:i]
    return text


def parse_yarn(text: str) -> YarnScript:
    """Parse a Yarn Spinner script; raise ``OutputInvalid`` with a line number on bad syntax."""
    script = YarnScript()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(lines):
        if not _strip_comment(lines[i]).strip():
            i += 1
            continue
        headers: dict[str, str] = {}
        start = i + 1
        while i < len(lines) and lines[i].strip() != "---":
            raw = _strip_comment(lines[i]).strip()
            if raw:
                match = _HEADER.match(raw)
                if match is None:
                    raise OutputInvalid(f"line {i + 1}: expected a 'key: value' header or '---', got {raw!r}")
                headers[match.group(1)] = match.group(2).strip()
            i += 1
        if i >= len(lines):
            raise OutputInvalid(f"line {start}: node headers are never followed by '---'")
        title = headers.get("title")
        if not title:
            raise OutputInvalid(f"line {start}: node has no title header")
        if not _TITLE.match(title):
            raise OutputInvalid(f"line {start}: node title {title!r} is not a valid name")
        if title in script.nodes:
            raise OutputInvalid(f"line {start}: node {title!r} is defined twice")
        i += 1
        body: list[_Src] = []
        while i < len(lines) and lines[i].strip() != "===":
            raw = _strip_comment(lines[i]).rstrip()
            if raw.strip():
                expanded = raw.expandtabs(4)
                body.append(_Src(len(expanded) - len(expanded.lstrip()), expanded.strip(), i + 1))
            i += 1
        if i >= len(lines):
            raise OutputInvalid(f"line {start}: node {title!r} is never closed with '==='")
        i += 1
        parser = _BodyParser(body)
        statements = parser.block(-1, inside_if=False)
        if parser.pos < len(body):
            src = body[parser.pos]
            raise OutputInvalid(f"line {src.line_no}: unexpected {src.text!r}")
        script.nodes[title] = YarnNode(title, headers, statements, start)
    return script


class _BodyParser:
    def __init__(self, lines: list[_Src]) -> None:
        self.lines = lines
        self.pos = 0

    def block(self, parent_indent: int, *, inside_if: bool) -> list[Statement]:
        """Statements indented deeper than ``parent_indent``, up to a closing if-keyword."""
        out: list[Statement] = []
        while self.pos < len(self.lines):
            src = self.lines[self.pos]
            if src.indent <= parent_indent:
                break
            keyword = self._if_keyword(src.text)
            if keyword in ("elseif", "else", "endif"):
                if not inside_if:
                    raise OutputInvalid(f"line {src.line_no}: <<{keyword}>> without a matching <<if>>")
                break
            if _OPTION.match(src.text):
                out.append(self._options(src.indent))
            elif keyword == "if":
                out.append(self._if(parent_indent))
            else:
                self.pos += 1
                out.append(self._simple(src))
        return out

    @staticmethod
    def _if_keyword(text: str) -> str | None:
        match = _COMMAND.match(text)
        if match is None:
            return None
        word = match.group(1).split(" ", 1)[0]
        return word if word in ("if", "elseif", "else", "endif") else None

    def _options(self, indent: int) -> OptionGroup:
        first = self.lines[self.pos].line_no
        options: list[Option] = []
        while self.pos < len(self.lines):
            src = self.lines[self.pos]
            match = _OPTION.match(src.text)
            if src.indent != indent or match is None:
                break
            self.pos += 1
            label = _HASHTAGS.sub("", match.group(1)).strip()
            condition: str | None = None
            cond = _OPTION_COND.match(label)
            if cond is not None:
                label, condition = cond.group(1).strip(), cond.group(2).strip()
            if not label:
                raise OutputInvalid(f"line {src.line_no}: option has no text")
            body = self.block(indent, inside_if=False)
            options.append(Option(label, condition, body, src.line_no))
        return OptionGroup(options, first)

    def _if(self, parent_indent: int) -> If:
        src = self.lines[self.pos]
        branches: list[tuple[str, list[Statement]]] = []
        otherwise: list[Statement] | None = None
        condition: str | None = self._condition(src, "if")
        self.pos += 1
        while True:
            body = self.block(parent_indent, inside_if=True)
            if self.pos >= len(self.lines) or self.lines[self.pos].indent <= parent_indent:
                raise OutputInvalid(f"line {src.line_no}: <<if>> is never closed with <<endif>>")
            closing = self.lines[self.pos]
            keyword = self._if_keyword(closing.text)
            if condition is None:
                otherwise = body
            else:
                branches.append((condition, body))
            self.pos += 1
            if keyword == "endif":
                return If(branches, otherwise, src.line_no)
            if condition is None:
                raise OutputInvalid(f"line {closing.line_no}: nothing may follow <<else>> but <<endif>>")
            condition = self._condition(closing, "elseif") if keyword == "elseif" else None

    @staticmethod
    def _condition(src: _Src, keyword: str) -> str:
        match = _COMMAND.match(src.text)
        inner = match.group(1) if match else ""
        condition = inner[len(keyword) :].strip()
        if not condition:
            raise OutputInvalid(f"line {src.line_no}: <<{keyword}>> needs a condition")
        return condition

    @staticmethod
    def _simple(src: _Src) -> Statement:
        text = src.text
        match = _COMMAND.match(text)
        if match is not None:
            inner = match.group(1)
            name, _, args = inner.partition(" ")
            args = args.strip()
            if name == "jump":
                if not _TITLE.match(args):
                    raise OutputInvalid(f"line {src.line_no}: <<jump>> needs a node name, got {args!r}")
                return Jump(args, src.line_no)
            if name == "stop":
                return Stop(src.line_no)
            if name == "set" and not _SET.match(args):
                raise OutputInvalid(f"line {src.line_no}: <<set>> must read '<<set $name to value>>'")
            if name == "declare" and not re.match(r"^\$[A-Za-z_][A-Za-z0-9_]*\s*(=|to)\s*\S", args):
                raise OutputInvalid(f"line {src.line_no}: <<declare>> must read '<<declare $name = value>>'")
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
                raise OutputInvalid(f"line {src.line_no}: malformed command {text!r}")
            return Command(name, args, src.line_no)
        if text.startswith("<<") or (text.endswith(">>") and "<<" not in text):
            raise OutputInvalid(f"line {src.line_no}: unbalanced '<<' '>>' in {text!r}")
        link = _LINK.match(text)
        if link is not None:
            target = link.group(2).strip()
            if not _TITLE.match(target):
                raise OutputInvalid(f"line {src.line_no}: link target {target!r} is not a valid name")
            label = (link.group(1) or target).strip()
            return OptionGroup([Option(label, None, [Jump(target, src.line_no)], src.line_no)], src.line_no)
        text = _HASHTAGS.sub("", text).strip()
        speaker = _SPEAKER.match(text)
        if speaker is not None:
            return Line(speaker.group(1).strip(), speaker.group(2).strip(), src.line_no)
        return Line(None, text, src.line_no)


# ---------------------------------------------------------------------------------------
# Yarn: validation
# ---------------------------------------------------------------------------------------


def _terminates(body: list[Statement]) -> bool:
    """True when every path through ``body`` ends in a jump or a stop."""
    for stmt in body:
        if isinstance(stmt, Jump | Stop):
            return True
        # A group whose options all carry conditions may offer nothing and fall through.
        if (
            isinstance(stmt, OptionGroup)
            and any(o.condition is None for o in stmt.options)
            and all(_terminates(o.body) for o in stmt.options)
        ):
            return True
        if (
            isinstance(stmt, If)
            and stmt.otherwise is not None
            and all(_terminates(b) for _, b in stmt.branches)
            and _terminates(stmt.otherwise)
        ):
            return True
    return False


def _text_of(data: bytes | str) -> str:
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise OutputInvalid(f"not UTF-8 text: {exc}") from None
    return data


def validate_yarn(data: bytes | str) -> dict[str, Any]:
    """Parse a script and check its graph.

    Every jump/option target exists, every node is reachable from ``Start``, and every
    node ends in a jump or ``<<stop>>`` on every path unless it is tagged ``end``; each
    variable that is read is declared or set somewhere.
    """
    script = parse_yarn(_text_of(data))
    if not script.nodes:
        raise OutputInvalid("the script has no nodes")
    if "Start" not in script.nodes:
        raise OutputInvalid("there is no node titled 'Start'")
    edges: dict[str, list[str]] = {}
    speakers: set[str] = set()
    written: set[str] = set()
    read: dict[str, int] = {}
    options = 0
    spoken = 0
    for title, node in script.nodes.items():
        targets: list[str] = []
        for stmt in script.walk(title):
            if isinstance(stmt, Jump):
                if stmt.target not in script.nodes:
                    raise OutputInvalid(f"line {stmt.line_no}: jump to missing node {stmt.target!r}")
                targets.append(stmt.target)
            elif isinstance(stmt, Line):
                spoken += 1
                if stmt.speaker:
                    speakers.add(stmt.speaker)
            elif isinstance(stmt, OptionGroup):
                options += len(stmt.options)
                for option in stmt.options:
                    for var in _VARIABLE.findall(option.condition or ""):
                        read.setdefault(var, option.line_no)
            elif isinstance(stmt, Command) and stmt.name in ("set", "declare"):
                assigned = _VARIABLE.match(stmt.args)
                if assigned:
                    written.add(assigned.group(0))
                for var in _VARIABLE.findall(stmt.args)[1:]:
                    read.setdefault(var, stmt.line_no)
            elif isinstance(stmt, If):
                for condition, _ in stmt.branches:
                    for var in _VARIABLE.findall(condition):
                        read.setdefault(var, stmt.line_no)
        edges[title] = targets
        if not _terminates(node.body) and "end" not in node.tags:
            raise OutputInvalid(
                f"node {title!r} (line {node.line_no}) can run off its end: "
                "finish every path with <<jump>> or <<stop>>, or tag the node 'end'"
            )
    for var, line_no in sorted(read.items()):
        if var not in written:
            raise OutputInvalid(f"line {line_no}: variable {var} is read but never declared or set")
    seen = {"Start"}
    queue = deque(["Start"])
    while queue:
        for target in edges[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    unreachable = [t for t in script.nodes if t not in seen]
    if unreachable:
        raise OutputInvalid(f"node {unreachable[0]!r} cannot be reached from Start")
    ends = sorted(t for t, node in script.nodes.items() if any(isinstance(s, Stop) for s in script.walk(t)))
    ends += sorted(t for t, node in script.nodes.items() if "end" in node.tags and t not in ends)
    return {
        "nodes": len(script.nodes),
        "lines": spoken,
        "options": options,
        "characters": sorted(speakers),
        "variables": sorted(written),
        "end_nodes": ends,
    }


# ---------------------------------------------------------------------------------------
# Quest graphs
# ---------------------------------------------------------------------------------------

QUEST_FORMAT = "pog.quest/1"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
OBJECTIVE_TYPES = frozenset(
    ["talk", "go", "find", "collect", "defeat", "deliver", "escort", "protect", "solve", "sneak", "craft"]
)
REWARD_TYPES = frozenset(["gold", "item", "friend", "secret", "xp"])


def _json_of(data: bytes | str | Mapping[str, Any], what: str) -> dict[str, Any]:
    if isinstance(data, Mapping):
        return dict(data)
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise OutputInvalid(f"{what} JSON does not parse: {exc}") from None
    if not isinstance(doc, dict):
        raise OutputInvalid(f"{what} must be a JSON object")
    return doc


def _require(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise OutputInvalid(f"{where}: '{key}' is missing or has the wrong type")
    return value


def validate_quest(data: bytes | str | Mapping[str, Any]) -> dict[str, Any]:
    """Check a quest graph: ids, objectives, rewards, transition targets, and that the
    quest can be completed: an end state is reachable from the start, every state is
    reachable, and no state is a trap from which no end can be reached."""
    doc = _json_of(data, "quest")
    if doc.get("format") != QUEST_FORMAT:
        raise OutputInvalid(f"quest 'format' must be {QUEST_FORMAT!r}")
    _require(doc, "title", str, "quest")
    start = _require(doc, "start", str, "quest")
    states = _require(doc, "states", list, "quest")
    if not states:
        raise OutputInvalid("quest has no states")
    by_id: dict[str, dict[str, Any]] = {}
    for n, state in enumerate(states):
        if not isinstance(state, dict):
            raise OutputInvalid(f"state {n} is not an object")
        sid = _require(state, "id", str, f"state {n}")
        if not _ID.match(sid):
            raise OutputInvalid(f"state id {sid!r} must be lower_snake_case")
        if sid in by_id:
            raise OutputInvalid(f"state id {sid!r} is used twice")
        by_id[sid] = state
    if start not in by_id:
        raise OutputInvalid(f"start state {start!r} does not exist")
    edges: dict[str, list[str]] = {}
    ends: list[str] = []
    objectives = 0
    rewards: list[dict[str, Any]] = []
    seen_objectives: set[str] = set()
    for sid, state in by_id.items():
        kind = state.get("kind")
        if kind not in ("start", "step", "end"):
            raise OutputInvalid(f"state {sid!r}: kind must be start, step or end")
        if (kind == "start") != (sid == start):
            raise OutputInvalid(f"state {sid!r}: exactly the start state has kind 'start'")
        _require(state, "title", str, f"state {sid!r}")
        for m, objective in enumerate(_require(state, "objectives", list, f"state {sid!r}")):
            where = f"state {sid!r} objective {m}"
            if not isinstance(objective, dict):
                raise OutputInvalid(f"{where} is not an object")
            oid = _require(objective, "id", str, where)
            if oid in seen_objectives:
                raise OutputInvalid(f"{where}: objective id {oid!r} is used twice")
            seen_objectives.add(oid)
            if objective.get("type") not in OBJECTIVE_TYPES:
                raise OutputInvalid(f"{where}: unknown type {objective.get('type')!r}")
            count = _require(objective, "count", int, where)
            if count < 1:
                raise OutputInvalid(f"{where}: count must be at least 1")
            _require(objective, "text", str, where)
            objectives += 1
        for m, reward in enumerate(state.get("rewards", [])):
            where = f"state {sid!r} reward {m}"
            if not isinstance(reward, dict) or reward.get("type") not in REWARD_TYPES:
                raise OutputInvalid(f"{where}: type must be one of {sorted(REWARD_TYPES)}")
            amount = _require(reward, "amount", int, where)
            if amount < 1:
                raise OutputInvalid(f"{where}: amount must be positive")
            _require(reward, "text", str, where)
            rewards.append(reward)
        transitions = _require(state, "transitions", list, f"state {sid!r}")
        targets: list[str] = []
        for m, tr in enumerate(transitions):
            where = f"state {sid!r} transition {m}"
            if not isinstance(tr, dict):
                raise OutputInvalid(f"{where} is not an object")
            target = _require(tr, "to", str, where)
            if target not in by_id:
                raise OutputInvalid(f"{where}: target {target!r} does not exist")
            _require(tr, "label", str, where)
            targets.append(target)
        if kind == "end":
            if targets:
                raise OutputInvalid(f"end state {sid!r} must not have transitions")
            if state.get("outcome") not in ("success", "failure"):
                raise OutputInvalid(f"end state {sid!r}: outcome must be success or failure")
            ends.append(sid)
        elif not targets:
            raise OutputInvalid(f"state {sid!r} is a dead end: it has no transitions and is not an end")
        else:
            if not state["objectives"]:
                raise OutputInvalid(f"state {sid!r} gives the player nothing to do")
        edges[sid] = targets
    reachable = _reach(edges, [start])
    missing = [s for s in by_id if s not in reachable]
    if missing:
        raise OutputInvalid(f"state {missing[0]!r} cannot be reached from the start")
    successes = [e for e in ends if by_id[e]["outcome"] == "success"]
    if not successes:
        raise OutputInvalid("no success end state is reachable: the quest cannot be completed")
    reverse: dict[str, list[str]] = {s: [] for s in by_id}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].append(source)
    can_finish = _reach(reverse, ends)
    traps = [s for s in by_id if s not in can_finish]
    if traps:
        raise OutputInvalid(f"state {traps[0]!r} can never reach an end: the player would be stuck")
    return {
        "states": len(by_id),
        "objectives": objectives,
        "ends": ends,
        "success_ends": successes,
        "rewards": len(rewards),
        "longest_path": _longest(edges, start),
    }


def _reach(edges: Mapping[str, list[str]], roots: list[str]) -> set[str]:
    seen = set(roots)
    queue = deque(roots)
    while queue:
        for target in edges.get(queue.popleft(), []):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _longest(edges: Mapping[str, list[str]], start: str) -> int:
    """States on the longest simple path; quests are small, so plain DFS is fine."""
    best = 0
    stack: list[tuple[str, frozenset[str]]] = [(start, frozenset([start]))]
    while stack:
        node, path = stack.pop()
        best = max(best, len(path))
        for target in edges.get(node, []):
            if target not in path:
                stack.append((target, path | {target}))
    return best


# ---------------------------------------------------------------------------------------
# Mermaid state diagrams (the quest's picture)
# ---------------------------------------------------------------------------------------

_MERMAID_LINE = re.compile(
    r"^(?:"
    r"stateDiagram-v2|direction (?:LR|TB|RL|BT)|%%.*"
    r"|state \"[^\"]*\" as [A-Za-z_][A-Za-z0-9_]*"
    r"|(?:\[\*\]|[A-Za-z_][A-Za-z0-9_]*) --> (?:\[\*\]|[A-Za-z_][A-Za-z0-9_]*)(?: : [^:;\"]+)?"
    r"|classDef [A-Za-z_]+ [^;]+;?|class [A-Za-z0-9_,]+ [A-Za-z_]+"
    r")$"
)


def validate_mermaid(data: bytes | str) -> dict[str, Any]:
    """A line-level check of the ``stateDiagram-v2`` subset the quest generator writes."""
    lines = [ln.strip() for ln in _text_of(data).splitlines() if ln.strip()]
    if not lines or lines[0] != "stateDiagram-v2":
        raise OutputInvalid("Mermaid diagram must start with 'stateDiagram-v2'")
    edges = 0
    for n, line in enumerate(lines[1:], start=2):
        if not _MERMAID_LINE.match(line):
            raise OutputInvalid(f"Mermaid line {n} is not valid state-diagram syntax: {line!r}")
        edges += " --> " in line
    return {"lines": len(lines), "transitions": edges}


# ---------------------------------------------------------------------------------------
# World bibles
# ---------------------------------------------------------------------------------------

WORLD_FORMAT = "pog.world_bible/1"


def validate_world_bible(
    data: bytes | str | Mapping[str, Any], markdown: bytes | str | None = None
) -> dict[str, Any]:
    """Check a world bible JSON (and, when given, that its Markdown twin agrees).

    Ids are unique, every cross-reference (seat, ruler, ally, rival, route, event
    faction/place) points at something that exists, eras run in order without overlap,
    events fall inside their era. The Markdown must hold the three sections and name
    every faction, place and era the JSON holds.
    """
    doc = _json_of(data, "world bible")
    if doc.get("format") != WORLD_FORMAT:
        raise OutputInvalid(f"world bible 'format' must be {WORLD_FORMAT!r}")
    title = _require(doc, "title", str, "world bible")
    _require(doc, "summary", str, "world bible")
    factions = _require(doc, "factions", list, "world bible")
    places = _require(doc, "places", list, "world bible")
    eras = _require(doc, "history", list, "world bible")
    if not factions or not places or not eras:
        raise OutputInvalid("world bible needs at least one faction, place and era")
    ids: dict[str, str] = {}
    names: list[str] = []
    for group, items in (("faction", factions), ("place", places), ("era", eras)):
        for n, item in enumerate(items):
            if not isinstance(item, dict):
                raise OutputInvalid(f"{group} {n} is not an object")
            iid = _require(item, "id", str, f"{group} {n}")
            if not _ID.match(iid):
                raise OutputInvalid(f"{group} id {iid!r} must be lower_snake_case")
            if iid in ids:
                raise OutputInvalid(f"id {iid!r} is used by a {ids[iid]} and a {group}")
            ids[iid] = group
            names.append(_require(item, "name", str, f"{group} {iid!r}"))
            _require(item, "description", str, f"{group} {iid!r}")

    def ref(value: Any, group: str, where: str) -> None:
        if ids.get(value) != group:
            raise OutputInvalid(f"{where} refers to {value!r}, which is not a {group}")

    for faction in factions:
        where = f"faction {faction['id']!r}"
        ref(faction.get("seat"), "place", f"{where} seat")
        for key in ("allies", "rivals"):
            for other in _require(faction, key, list, where):
                ref(other, "faction", f"{where} {key}")
                if other == faction["id"]:
                    raise OutputInvalid(f"{where} lists itself among its {key}")
        if set(faction["allies"]) & set(faction["rivals"]):
            raise OutputInvalid(f"{where} has the same faction as ally and rival")
    for place in places:
        where = f"place {place['id']!r}"
        if place.get("ruled_by") is not None:
            ref(place["ruled_by"], "faction", f"{where} ruled_by")
        for other in _require(place, "routes", list, where):
            ref(other, "place", f"{where} routes")
        ref(place.get("founded_in"), "era", f"{where} founded_in")
    previous_end: int | None = None
    events = 0
    for era in eras:
        where = f"era {era['id']!r}"
        start = _require(era, "start_year", int, where)
        end = _require(era, "end_year", int, where)
        if end < start:
            raise OutputInvalid(f"{where} ends before it starts")
        if previous_end is not None and start <= previous_end:
            raise OutputInvalid(f"{where} overlaps or precedes the era before it")
        previous_end = end
        for m, event in enumerate(_require(era, "events", list, where)):
            ewhere = f"{where} event {m}"
            if not isinstance(event, dict):
                raise OutputInvalid(f"{ewhere} is not an object")
            year = _require(event, "year", int, ewhere)
            if not start <= year <= end:
                raise OutputInvalid(f"{ewhere} year {year} is outside {start}-{end}")
            _require(event, "text", str, ewhere)
            for fid in _require(event, "factions", list, ewhere):
                ref(fid, "faction", f"{ewhere} factions")
            for pid in _require(event, "places", list, ewhere):
                ref(pid, "place", f"{ewhere} places")
            events += 1
    if markdown is not None:
        text = _text_of(markdown)
        if not text.lstrip().startswith("# "):
            raise OutputInvalid("world bible Markdown must open with a '# ' title")
        if title not in text.split("\n", 1)[0]:
            raise OutputInvalid("world bible Markdown title differs from the JSON title")
        for section in ("## Factions", "## Places", "## History"):
            if f"\n{section}" not in text:
                raise OutputInvalid(f"world bible Markdown lacks a '{section}' section")
        for name in names:
            if name not in text:
                raise OutputInvalid(f"world bible Markdown never mentions {name!r} from the JSON")
    return {
        "title": title,
        "factions": len(factions),
        "places": len(places),
        "eras": len(eras),
        "events": events,
    }
