"""ID Auditor · Audit ids: Finds ids used twice and numbers skipped, for each kind of thing.

``audit`` checks the sources of one ``scope`` (``project`` or ``relic``; ``cache`` narrows
a relic audit to one named source): per kind and source the count, lowest and highest id,
duplicates and the gaps between the lowest and highest id. Collisions compare each audited
source with every other source, of either kind, sharing ids of a kind. Gaps are only
information: many caches skip numbers on purpose.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from limbs.params import choice, kw, string
from limbs.parts.id_auditor import ID_TYPES
from limbs.parts.id_auditor._ids import KINDS, Range, Source, gaps, parse_sources, ranges, read_id_type
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

# Report lists longer than this are cut (with the full totals kept), so a sparse table of
# a hundred thousand ids still gives a readable answer.
MAX_LISTED = 500
MAX_WHERE = 20


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


def make(req: GenRequest) -> GenResult:
    sources = parse_sources(req.snapshots.get("ids"))
    scope = _choice(req.params, "scope", KINDS[::-1], "project")
    cache = req.params.get("cache") or ""
    if not isinstance(cache, str):
        raise GeneratorInputError("cache", "cache must be the name of a relic cache.")
    id_type = read_id_type(req.params, allow_all=True)
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


ACTION = ActionSpec(
    id="audit",
    name="Audit ids",
    description="Finds ids used twice and numbers skipped, for each kind of thing.",
    output="json",
    needs_intent=False,
    params=(
        choice("scope", "Where", ("project", "relic"), "project", "Your project or an old game cache."),
        string(
            "cache",
            "Cache",
            "Optional: which relic cache to check. Empty checks them all.",
            max_length=64,
        ),
        choice("type", "Kind", ("all", *ID_TYPES), "all", "Only check one kind of id."),
    ),
    keywords=kw("audit, check, duplicate, duplicates, clash, twin, twins, gap, gaps"),
    reads=("ids",),
    make=make,
)
