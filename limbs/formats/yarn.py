"""Yarn Spinner scripts, read by the studio's own small parser.

``parse_yarn`` covers the language people write for games: headers, ``---``/``===`` node
bodies, ``Name: line`` dialogue, indented ``->`` options, ``<<jump>>``, ``<<set>>``,
``<<declare>>``, ``<<if>>``/``<<elseif>>``/``<<else>>``/``<<endif>>``, ``<<stop>>``, other
commands, and old-style ``[[Text|Node]]`` links."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from limbs.formats.base import Format, OutputInvalid, nesting_limited, text_of

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


@nesting_limited("Yarn script")
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


@nesting_limited("Yarn script")
def validate_yarn(data: bytes | str) -> dict[str, Any]:
    """Parse a script and check its graph.

    Every jump/option target exists, every node is reachable from ``Start``, and every
    node ends in a jump or ``<<stop>>`` on every path unless it is tagged ``end``; each
    variable that is read is declared or set somewhere.
    """
    script = parse_yarn(text_of(data))
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


FORMAT = Format(
    id="yarn",
    name="Yarn Spinner dialogue",
    mimes=("text/x-yarn",),
    kind="text",
    suffixes=(".yarn",),
    validate=validate_yarn,
    preview="code",
)
