"""Mermaid state diagrams (the quest's picture): the ``stateDiagram-v2`` subset."""

from __future__ import annotations

import re
from typing import Any

from limbs.formats.base import Format, OutputInvalid, text_of

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
    lines = [ln.strip() for ln in text_of(data).splitlines() if ln.strip()]
    if not lines or lines[0] != "stateDiagram-v2":
        raise OutputInvalid("Mermaid diagram must start with 'stateDiagram-v2'")
    edges = 0
    for n, line in enumerate(lines[1:], start=2):
        if not _MERMAID_LINE.match(line):
            raise OutputInvalid(f"Mermaid line {n} is not valid state-diagram syntax: {line!r}")
        edges += " --> " in line
    return {"lines": len(lines), "transitions": edges}


FORMAT = Format(
    id="mermaid",
    name="Mermaid diagram",
    mimes=("text/vnd.mermaid",),
    kind="text",
    suffixes=(".mmd", ".mermaid"),
    validate=validate_mermaid,
    preview="code",
)
