"""The id_auditor limb: find ids used twice, numbers skipped and clashes; hand out free ids.

Pure Python, no Django. The job layer (which owns the database) passes every known id
table as JSON in ``req.inputs["ids"]``::

    {"sources": [
        {"name": "rsc204", "kind": "relic", "ids": {"item": [0, 1, 2], "npc": [0, 1]}},
        {"name": "my-game", "kind": "project",
         "ids": {"item": [{"id": 5, "where": "items/sword.json"}, 7]}}
    ]}

An id is an integer from 0 to 2**31 - 1, optionally wrapped as ``{"id": n, "where":
"..."}`` so that a duplicate can say which record holds it; a bare id is located by its
position in the list (``"#3"``). Kinds of id are the registry's (item, npc, object,
sprite, sound, model) plus any other lower-case name a source brings (``wall_object``).

``audit`` checks the sources of one ``scope`` (``project`` or ``relic``; ``cache`` narrows
a relic audit to one named source): per kind and source the count, lowest and highest id,
duplicates and the gaps between the lowest and highest id. Collisions compare each audited
source with every other source, of either kind, sharing ids of a kind. Gaps are only
information: many caches skip numbers on purpose.

``reserve`` returns ``count`` ids of one kind that no source uses, always one contiguous
run. By default the run starts just above the highest id in use, so freshly reserved ids
never fall between old ones; with ``fill_gaps`` it is the lowest free run (gaps included,
counting from 0) long enough to hold them all. Nothing is stored here: the caller records
the reservation (for instance as ids of a project source) so the next call avoids it.
"""

from __future__ import annotations

import io
import json
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from limbs.spec import GeneratorInputError, GenRequest, GenResult, Output

ID_TYPES = ("item", "npc", "object", "sprite", "sound", "model")  # limbs.registry._ID_TYPES
KINDS = ("relic", "project")
MAX_ID = 2**31 - 1
MAX_COUNT = 1000
MAX_SOURCES = 200
# Report lists longer than this are cut (with the full totals kept), so a sparse table of
# a hundred thousand ids still gives a readable answer.
MAX_LISTED = 500
MAX_WHERE = 20
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


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _entry(value: object, label: str) -> tuple[int, str | None]:
    where: str | None = None
    if isinstance(value, dict):
        where = value.get("where")
        if where is not None and not isinstance(where, str):
            raise _bad(f"{label}: 'where' must be text.")
        value = value.get("id")
    if not _is_int(value):
        raise _bad(f"{label}: an id must be a whole number, not {json.dumps(value)[:40]}.")
    assert isinstance(value, int)
    if not 0 <= value <= MAX_ID:
        raise _bad(f"{label}: id {value} is outside 0..{MAX_ID}.")
    return value, where


def parse_sources(raw: bytes | None) -> list[Source]:
    """The sources of ``req.inputs["ids"]``; any malformed part raises GeneratorInputError("ids")."""
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
    """The ``inputs["ids"]`` bytes for ``(name, kind, {kind of id: ids})`` triples."""
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


def _span(runs: Sequence[Range]) -> int:
    return sum(hi - lo + 1 for lo, hi in runs)


def _listed(runs: Sequence[Range]) -> list[list[int]]:
    return [[lo, hi] for lo, hi in runs[:MAX_LISTED]]


# --- audit -----------------------------------------------------------------------------------


def _choice(params: Mapping[str, Any], name: str, choices: Sequence[str], default: str) -> str:
    value = params.get(name, default)
    if value is None or value == "":
        value = default
    if not isinstance(value, str) or value not in choices:
        raise GeneratorInputError(name, f"{name} must be one of {', '.join(choices)}.")
    return value


def _id_type(params: Mapping[str, Any], allow_all: bool) -> str:
    value = params.get("type", "all" if allow_all else "item")
    if not isinstance(value, str) or not (
        (allow_all and value == "all") or value in ID_TYPES or _TYPE_NAME.match(value)
    ):
        raise GeneratorInputError("type", f"{value!r} is not a kind of id.")
    return value


def _source_report(source: Source, id_type: str) -> dict[str, Any]:
    values = source.ids.get(id_type, [])
    labels = source.where.get(id_type, [])
    positions: dict[int, list[str]] = {}
    for value, label in zip(values, labels, strict=True):
        positions.setdefault(value, []).append(label)
    distinct = sorted(positions)
    twins = [(v, positions[v]) for v in distinct if len(positions[v]) > 1]
    holes = gaps(distinct)
    return {
        "kind": source.kind,
        "count": len(values),
        "distinct": len(distinct),
        "min": distinct[0] if distinct else None,
        "max": distinct[-1] if distinct else None,
        "duplicates": [
            {"id": v, "times": len(where), "where": where[:MAX_WHERE]} for v, where in twins[:MAX_LISTED]
        ],
        "duplicate_ids": len(twins),
        "gaps": _listed(holes),
        "gap_ranges": len(holes),
        "missing": _span(holes),
        "truncated": len(twins) > MAX_LISTED or len(holes) > MAX_LISTED,
    }


def _collisions(audited: list[Source], sources: list[Source], id_type: str) -> list[dict[str, Any]]:
    """Shared ids of each (audited source, other source) pair, each pair once, by name."""
    sets = {s.name: set(s.ids.get(id_type, [])) for s in sources}
    kinds = {s.name: s.kind for s in sources}
    pairs = {tuple(sorted((a.name, b.name))) for a in audited for b in sources if a.name != b.name}
    out: list[dict[str, Any]] = []
    for first, second in sorted(pairs):
        shared = sorted(sets[first] & sets[second])
        if shared:
            runs = ranges(shared)
            out.append(
                {
                    "sources": [first, second],
                    "kinds": [kinds[first], kinds[second]],
                    "count": len(shared),
                    "ranges": _listed(runs),
                    "truncated": len(runs) > MAX_LISTED,
                }
            )
    return out


def _audited(sources: list[Source], scope: str, cache: str) -> list[Source]:
    chosen = [s for s in sources if s.kind == scope]
    if scope == "relic" and cache:
        chosen = [s for s in chosen if s.name == cache]
        if not chosen:
            known = ", ".join(sorted(s.name for s in sources if s.kind == "relic")) or "none"
            raise GeneratorInputError("cache", f"There is no relic cache called {cache!r} (known: {known}).")
    return chosen


def audit_report(sources: list[Source], scope: str, cache: str, id_type: str) -> dict[str, Any]:
    """The audit as a JSON-ready dict (see the module docstring)."""
    audited = _audited(sources, scope, cache)
    types = sorted({t for s in audited for t in s.ids}) if id_type == "all" else [id_type]
    report_types: dict[str, Any] = {}
    duplicates = colliding = 0
    for t in types:
        per_source = {s.name: _source_report(s, t) for s in audited}
        clashes = _collisions(audited, sources, t)
        duplicates += sum(r["duplicate_ids"] for r in per_source.values())
        colliding += sum(c["count"] for c in clashes)
        report_types[t] = {"sources": per_source, "collisions": clashes}
    return {
        "scope": scope,
        "cache": cache or None,
        "type": id_type,
        "audited": [s.name for s in audited],
        "compared_with": [s.name for s in sources if s not in audited],
        "types": report_types,
        "summary": {
            "duplicate_ids": duplicates,
            "colliding_ids": colliding,
            "ok": duplicates == 0 and colliding == 0,
        },
    }


# --- the chart ---------------------------------------------------------------------------------

_WIDTH = 720
_LABEL_W = 200
_BAR_W = _WIDTH - _LABEL_W - 20
_ROW_H = 34
_MAX_ROWS = 40
_BG = (250, 250, 247)
_USED = np.array([46, 125, 50], dtype=np.float64)
_GAP = np.array([215, 215, 210], dtype=np.float64)
_DUPLICATE = (198, 40, 40)
_COLLISION = (239, 108, 0)
_INK = (33, 33, 33)


def _columns(distinct: list[int], lo: int, hi: int, width: int) -> tuple[Any, Any, Any]:
    """Per pixel column of a bar over ids lo..hi: its first id, end id and share of ids used."""
    edges = lo + np.floor(np.arange(width + 1) * ((hi - lo + 1) / width)).astype(np.int64)
    edges[-1] = hi + 1
    start, end = edges[:-1], np.maximum(edges[1:], edges[:-1] + 1)
    ids = np.asarray(distinct, dtype=np.int64)
    used = np.searchsorted(ids, end) - np.searchsorted(ids, start)
    return start, end, used / (end - start)


def _mark(
    draw: ImageDraw.ImageDraw, marked: list[int], start: Any, end: Any, x0: int, y: int, colour: Any
) -> None:
    if not marked:
        return
    ids = np.asarray(marked, dtype=np.int64)
    hit = np.searchsorted(ids, end) - np.searchsorted(ids, start) > 0
    for col in np.flatnonzero(hit).tolist():
        draw.line([(x0 + col, y), (x0 + col, y + 3)], fill=colour)


def chart_png(report: dict[str, Any], sources: list[Source]) -> bytes:
    """Per kind and audited source, a bar over its lowest..highest id: green used, grey gaps,
    red ticks above for duplicates, orange ticks below for ids another source also uses."""
    by_name = {s.name: s for s in sources}
    rows: list[tuple[str, str]] = [
        (t, name) for t, entry in report["types"].items() for name in entry["sources"]
    ][:_MAX_ROWS]
    height = 30 + _ROW_H * max(1, len(rows))
    im = Image.new("RGB", (_WIDTH, height), _BG)
    draw = ImageDraw.Draw(im)
    font = ImageFont.load_default()
    draw.text(
        (10, 8), f"ids ({report['scope']}): green used, grey gaps, red twins, orange clashes", _INK, font
    )
    if not rows:
        draw.text((10, 34), "nothing to audit", _INK, font)
    x0 = _LABEL_W
    for i, (t, name) in enumerate(rows):
        y = 30 + i * _ROW_H
        entry = report["types"][t]["sources"][name]
        draw.text((10, y + 8), f"{t} · {name}"[:30], _INK, font)
        distinct = sorted(set(by_name[name].ids.get(t, [])))
        if not distinct:
            draw.text((x0, y + 8), "no ids", _INK, font)
            continue
        lo, hi = distinct[0], distinct[-1]
        start, end, share = _columns(distinct, lo, hi, _BAR_W)
        colours = (_GAP + share[:, None] * (_USED - _GAP)).round().astype(np.uint8)
        strip = np.broadcast_to(colours[None, :, :], (12, _BAR_W, 3))
        im.paste(Image.fromarray(np.ascontiguousarray(strip), "RGB"), (x0, y + 8))
        twins = [d["id"] for d in entry["duplicates"]]
        others = set().union(*(set(s.ids.get(t, [])) for s in sources if s.name != name))
        _mark(draw, twins, start, end, x0, y + 3, _DUPLICATE)
        _mark(draw, sorted(others.intersection(distinct)), start, end, x0, y + 21, _COLLISION)
        draw.text((x0, y + 24), f"{lo}", _INK, font)
        right = f"{hi}"
        draw.text((x0 + _BAR_W - 6 * len(right), y + 24), right, _INK, font)
    buf = io.BytesIO()
    im.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def audit(req: GenRequest) -> GenResult:
    sources = parse_sources(req.inputs.get("ids"))
    scope = _choice(req.params, "scope", KINDS[::-1], "project")
    cache = req.params.get("cache") or ""
    if not isinstance(cache, str):
        raise GeneratorInputError("cache", "cache must be the name of a relic cache.")
    id_type = _id_type(req.params, allow_all=True)
    req.progress(0.3, "Counting every id")
    report = audit_report(sources, scope, cache.strip(), id_type)
    req.progress(0.8, "Drawing the id chart")
    data = json.dumps(report, indent=2, sort_keys=True).encode()
    meta = dict(report["summary"])
    return GenResult(
        outputs=[
            Output(data, "application/json", "id-audit.json", "main", meta),
            Output(chart_png(report, sources), "image/png", "id-audit.png", "preview"),
        ],
        meta=meta,
    )


# --- reserve ---------------------------------------------------------------------------------


def _flag(params: Mapping[str, Any], name: str) -> bool:
    value = params.get(name, False)
    if not isinstance(value, bool):
        raise GeneratorInputError(name, f"{name} must be true or false.")
    return value


def free_run(used: Sequence[int], count: int, fill_gaps: bool, max_id: int = MAX_ID) -> int | None:
    """The first id of ``count`` consecutive ids absent from sorted distinct ``used``.

    Above the highest used id, or (``fill_gaps``) the lowest such run from 0; None when the
    run would pass ``max_id``.
    """
    if fill_gaps:
        candidate = 0
        for v in used:
            if v - candidate >= count:
                break
            candidate = max(candidate, v + 1)
    else:
        candidate = used[-1] + 1 if used else 0
    return candidate if candidate + count - 1 <= max_id else None


def reserve(req: GenRequest) -> GenResult:
    sources = parse_sources(req.inputs.get("ids"))
    id_type = _id_type(req.params, allow_all=False)
    count = req.params.get("count", 1)
    if not _is_int(count) or not 1 <= count <= MAX_COUNT:
        raise GeneratorInputError("count", f"count must be a whole number from 1 to {MAX_COUNT}.")
    fill_gaps = _flag(req.params, "fill_gaps")
    max_id = req.params.get("max_id", MAX_ID)
    if not _is_int(max_id) or not 0 <= max_id <= MAX_ID:
        raise GeneratorInputError("max_id", f"max_id must be a whole number from 0 to {MAX_ID}.")
    used = sorted({v for s in sources for v in s.ids.get(id_type, [])})
    first = free_run(used, count, fill_gaps, max_id)
    if first is None:
        raise GeneratorInputError(
            "count", f"There are not {count} free {id_type} ids in a row up to {max_id}."
        )
    ids = list(range(first, first + count))
    # The run is free by construction; checked again because a wrong id here costs a save file.
    if ids and bisect_left(used, first) != bisect_left(used, first + count):
        raise AssertionError("a reserved id is already in use")
    report = {
        "type": id_type,
        "count": count,
        "ids": ids,
        "ranges": [[first, first + count - 1]],
        "fill_gaps": fill_gaps,
        "max_id": max_id,
        "in_gap": bool(used) and first < used[-1],
        "checked_sources": [s.name for s in sources],
        "used": len(used),
        "highest_used": used[-1] if used else None,
    }
    data = json.dumps(report, indent=2, sort_keys=True).encode()
    meta = {"first": first, "last": first + count - 1, "in_gap": report["in_gap"]}
    return GenResult(outputs=[Output(data, "application/json", f"reserved-{id_type}-ids.json")], meta=meta)
