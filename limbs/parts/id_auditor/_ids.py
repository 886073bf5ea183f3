"""The id tables both id_auditor actions read, and arithmetic on sorted ids.

Pure Python, no Django. The job layer (which owns the database) passes every known id
table as JSON in ``req.snapshots["ids"]``::

    {"sources": [
        {"name": "rsc204", "kind": "relic", "ids": {"item": [0, 1, 2], "npc": [0, 1]}},
        {"name": "my-game", "kind": "project",
         "ids": {"item": [{"id": 5, "where": "items/sword.json"}, 7]}}
    ]}

An id is an integer from 0 to 2**31 - 1, optionally wrapped as ``{"id": n, "where":
"..."}`` so that a duplicate can say which record holds it; a bare id is located by its
position in the list (``"#3"``). Kinds of id are the registry's (item, npc, object,
sprite, sound, model) plus any other lower-case name a source brings (``wall_object``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from limbs.parts.id_auditor import ID_TYPES
from limbs.spec import GeneratorInputError

KINDS = ("relic", "project")
MAX_ID = 2**31 - 1
MAX_SOURCES = 200
_TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

Range = tuple[int, int]  # inclusive


@dataclass
class Source:
    name: str
    kind: str
    ids: dict[str, list[int]] = field(default_factory=dict)
    # Per kind, a label for each entry of ``ids`` (its "where", or its list position).
    where: dict[str, list[str]] = field(default_factory=dict)


# --- input -----------------------------------------------------------------------------------


def _bad(message: str) -> GeneratorInputError:
    return GeneratorInputError("ids", message)


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _entry(value: object, label: str) -> tuple[int, str | None]:
    where: str | None = None
    if isinstance(value, dict):
        where = value.get("where")
        if where is not None and not isinstance(where, str):
            raise _bad(f"{label}: 'where' must be text.")
        value = value.get("id")
    if not is_int(value):
        raise _bad(f"{label}: an id must be a whole number, not {json.dumps(value)[:40]}.")
    assert isinstance(value, int)
    if not 0 <= value <= MAX_ID:
        raise _bad(f"{label}: id {value} is outside 0..{MAX_ID}.")
    return value, where


def parse_sources(raw: bytes | None) -> list[Source]:
    """The sources of ``req.snapshots["ids"]``; any malformed part raises GeneratorInputError("ids")."""
    if raw is None:
        raise _bad("There are no id tables to look at.")
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise _bad("The id tables are not valid JSON.") from None
    sources = doc.get("sources") if isinstance(doc, dict) else None
    if not isinstance(sources, list):
        raise _bad('The id tables must be an object with a "sources" list.')
    if len(sources) > MAX_SOURCES:
        raise _bad(f"At most {MAX_SOURCES} sources can be checked at once.")
    out: list[Source] = []
    seen: set[str] = set()
    for n, item in enumerate(sources):
        if not isinstance(item, dict):
            raise _bad(f"Source {n} must be an object.")
        name, kind, ids = item.get("name"), item.get("kind"), item.get("ids")
        if not isinstance(name, str) or not name.strip():
            raise _bad(f"Source {n} needs a name.")
        if name in seen:
            raise _bad(f"Two sources are called {name!r}.")
        seen.add(name)
        if kind not in KINDS:
            raise _bad(f"Source {name!r} must be of kind 'relic' or 'project', not {json.dumps(kind)[:40]}.")
        if not isinstance(ids, dict):
            raise _bad(f"Source {name!r} needs an 'ids' object of id lists by kind.")
        source = Source(name, str(kind))
        for id_type, values in ids.items():
            if not _TYPE_NAME.match(id_type):
                raise _bad(f"Source {name!r}: {id_type!r} is not a kind of id (lower-case letters and _).")
            if not isinstance(values, list):
                raise _bad(f"Source {name!r}: the {id_type} ids must be a list.")
            numbers: list[int] = []
            labels: list[str] = []
            for i, value in enumerate(values):
                number, where = _entry(value, f"Source {name!r}, {id_type} entry {i}")
                numbers.append(number)
                labels.append(where if where is not None else f"#{i}")
            source.ids[id_type] = numbers
            source.where[id_type] = labels
        out.append(source)
    return out


def build_ids_input(sources: Iterable[tuple[str, str, Mapping[str, Iterable[int]]]]) -> bytes:
    """The ``snapshots["ids"]`` bytes for ``(name, kind, {kind of id: ids})`` triples."""
    doc = {
        "sources": [
            {"name": name, "kind": kind, "ids": {t: [int(v) for v in ids] for t, ids in tables.items()}}
            for name, kind, tables in sources
        ]
    }
    return json.dumps(doc, separators=(",", ":")).encode()


# --- arithmetic on sorted ids ------------------------------------------------------------------


def ranges(sorted_ids: Sequence[int]) -> list[Range]:
    """Runs of consecutive distinct sorted ids as inclusive ``(low, high)`` pairs."""
    out: list[Range] = []
    for v in sorted_ids:
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        elif not out or v > out[-1][1]:
            out.append((v, v))
    return out


def gaps(sorted_ids: Sequence[int]) -> list[Range]:
    """The missing runs strictly between the lowest and highest id."""
    runs = ranges(sorted_ids)
    return [(a[1] + 1, b[0] - 1) for a, b in pairwise(runs)]


# --- params --------------------------------------------------------------------------------


def read_id_type(params: Mapping[str, Any], allow_all: bool) -> str:
    value = params.get("type", "all" if allow_all else "item")
    if not isinstance(value, str) or not (
        (allow_all and value == "all") or value in ID_TYPES or _TYPE_NAME.match(value)
    ):
        raise GeneratorInputError("type", f"{value!r} is not a kind of id.")
    return value
