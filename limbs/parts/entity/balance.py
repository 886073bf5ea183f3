"""Entity · Balance: Adjusts a group of characters' stats along a curve and explains the changes.

The balanced characters (JSON), a Markdown report of every change and the same report as JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from limbs.params import JSON, asset, choice, integer, kw
from limbs.parts.entity._lexicon import dumps
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

CURVES: dict[str, Callable[[float], float]] = {
    "linear": lambda t: t,
    # Normalised so every curve runs from 0 at the weakest to 1 at the strongest level.
    "exponential": lambda t: (math.exp(3.0 * t) - 1.0) / (math.exp(3.0) - 1.0),
    "logarithmic": lambda t: math.log1p(9.0 * t) / math.log(10.0),
    "s_curve": lambda t: (
        (1 / (1 + math.exp(-10 * (t - 0.5))) - 1 / (1 + math.exp(5)))
        / (1 / (1 + math.exp(-5)) - 1 / (1 + math.exp(5)))
    ),
}
# Stats where smaller is stronger: they fall along the curve instead of rising.
_INVERSE = ("cooldown", "delay", "cost", "cast_time", "reload")
_SKIP_KEYS = frozenset(["level", "id", "slot", "quantity"])


@dataclass
class _Unit:
    index: int
    name: str
    level: int | None
    stats: dict[str, float]
    source: dict[str, Any]
    nested: bool  # stats live under "stats" (else flat numeric fields)


def _units(raw: bytes) -> tuple[Any, list[_Unit]]:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GeneratorInputError("entities", f"The characters file is not valid JSON: {exc}") from None
    items = doc.get("entities") if isinstance(doc, dict) and "entities" in doc else doc
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items:
        raise GeneratorInputError("entities", 'Expected a list of characters (or {"entities": [...]}).')
    units: list[_Unit] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise GeneratorInputError("entities", f"Character {i + 1} is not a JSON object.")
        nested = isinstance(item.get("stats"), dict)
        source = item["stats"] if nested else item
        stats = {
            k: float(v)
            for k, v in source.items()
            if k not in _SKIP_KEYS
            and isinstance(v, int | float)
            and not isinstance(v, bool)
            and math.isfinite(v)
        }
        if not stats:
            raise GeneratorInputError("entities", f"Character {i + 1} has no numeric stats to balance.")
        level = item.get("level")
        if level is not None and (not isinstance(level, int) or isinstance(level, bool) or level < 1):
            raise GeneratorInputError(
                "entities", f"Character {i + 1} has a level that is not a whole number >= 1."
            )
        name = str(item.get("name") or item.get("id") or f"character {i + 1}")
        units.append(_Unit(i, name, level, stats, item, nested))
    return doc, units


def make(req: GenRequest) -> GenResult:
    raw = req.inputs.get("entities")
    if raw is None:
        raise GeneratorInputError("entities", "Attach a JSON file with the characters to balance.")
    curve_name = str(req.params.get("curve", "linear"))
    if curve_name not in CURVES:
        raise GeneratorInputError("curve", f"Unknown curve {curve_name!r}.")
    levels = int(req.params.get("levels", 20))
    curve = CURVES[curve_name]
    doc, units = _units(raw)
    req.progress(0.2, "Lining the characters up from weakest to strongest")
    notes: list[str] = []
    _assign_levels(units, levels, notes)
    keys = sorted({k for u in units for k in u.stats})
    changes: list[dict[str, Any]] = []
    targets: dict[str, dict[str, float]] = {}
    for key in keys:
        values = [u.stats[key] for u in units if key in u.stats]
        lo, hi = min(values), max(values)
        inverse = any(word in key for word in _INVERSE)
        decimals = max(_decimals(v) for v in values)
        if lo == hi:
            notes.append(f"'{key}' is the same for everyone ({lo:g}), so there is no range to spread.")
        targets[key] = {"weakest": hi if inverse else lo, "strongest": lo if inverse else hi}
        for u in units:
            if key not in u.stats:
                continue
            t = 0.0 if levels <= 1 else ((u.level or 1) - 1) / (levels - 1)
            share = curve(min(1.0, max(0.0, t)))
            target = (hi - (hi - lo) * share) if inverse else (lo + (hi - lo) * share)
            new = float(round(target, decimals))
            old = u.stats[key]
            u.stats[key] = new
            if new != old:
                changes.append({"entity": u.name, "stat": key, "before": old, "after": new})
    req.progress(0.7, "Writing down what changed")
    for u in units:
        holder = u.source["stats"] if u.nested else u.source
        for key, value in u.stats.items():
            original = holder[key]
            holder[key] = int(value) if isinstance(original, int) and value.is_integer() else value
        u.source["level"] = u.level
        _sync_components(u)
    report = {
        "curve": curve_name,
        "levels": levels,
        "entities": [
            {"name": u.name, "level": u.level} for u in sorted(units, key=lambda u: (u.level or 0, u.index))
        ],
        "targets": targets,
        "changes": changes,
        "notes": notes,
    }
    markdown = _balance_markdown(report, units, keys)
    meta = {
        "curve": curve_name,
        "levels": levels,
        "entities": len(units),
        "stats": keys,
        "changes": len(changes),
    }
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[
            Output(dumps(doc), "application/json", "balanced.json", "main", meta),
            Output(markdown.encode("utf-8"), "text/markdown", "balance-report.md", "report", meta),
            Output(dumps(report), "application/json", "balance-report.json", "data", {"curve": curve_name}),
        ],
        meta=meta,
    )


def _decimals(value: float) -> int:
    """Decimal places worth keeping: as many as the input used, at most three."""
    text = repr(float(value))
    if "e" in text or text.endswith(".0"):
        return 0
    return min(3, len(text.split(".")[1]))


# ECS component fields that mirror a stat and must follow it (see validate_entity).
_MIRRORS = (
    ("health", "Health", ("max", "current")),
    ("speed", "Movement", ("speed",)),
    ("crit_chance", "Combat", ("crit_chance",)),
)


def _sync_components(u: _Unit) -> None:
    components = u.source.get("components")
    if not u.nested or not isinstance(components, dict):
        return
    for stat, name, fields in _MIRRORS:
        component = components.get(name)
        if stat not in u.stats or not isinstance(component, dict):
            continue
        for key in fields:
            if isinstance(component.get(key), int | float):
                component[key] = u.source["stats"][stat]


def _power(u: _Unit, ranges: dict[str, tuple[float, float]]) -> float:
    total = 0.0
    for key, value in u.stats.items():
        lo, hi = ranges[key]
        share = 0.0 if hi == lo else (value - lo) / (hi - lo)
        total += (1.0 - share) if any(w in key for w in _INVERSE) else share
    return total / max(1, len(u.stats))


def _assign_levels(units: list[_Unit], levels: int, notes: list[str]) -> None:
    """Keep given levels (clamped to the span); rank the rest by current power."""
    for u in units:
        if u.level is not None and u.level > levels:
            notes.append(
                f"{u.name} was level {u.level}; the curve spans {levels} levels, so it is now {levels}."
            )
            u.level = levels
    missing = [u for u in units if u.level is None]
    if not missing:
        return
    keys = {k for u in units for k in u.stats}
    ranges = {
        k: (min(u.stats[k] for u in units if k in u.stats), max(u.stats[k] for u in units if k in u.stats))
        for k in keys
    }
    ranked = sorted(missing, key=lambda u: (_power(u, ranges), u.index))
    for rank, u in enumerate(ranked):
        u.level = 1 if len(ranked) == 1 else 1 + round(rank * (levels - 1) / (len(ranked) - 1))
    notes.append(
        f"{len(missing)} {'character has' if len(missing) == 1 else 'characters have'} no level; "
        "levels were given from weakest to strongest by current stats."
    )


def _balance_markdown(report: dict[str, Any], units: Sequence[_Unit], keys: Sequence[str]) -> str:
    out = [f"# Balance report ({report['curve'].replace('_', '-')} curve over {report['levels']} levels)", ""]
    out += [
        "Every stat now follows the curve from the weakest character's value at level 1 to the",
        "strongest character's value at the top level, so a higher level is never weaker.",
        "",
        "| Character | Level | " + " | ".join(keys) + " |",
        "|---|---|" + "---|" * len(keys),
    ]
    for u in sorted(units, key=lambda u: (u.level or 0, u.index)):
        cells = [f"{u.stats[k]:g}" if k in u.stats else "-" for k in keys]
        out.append(f"| {u.name} | {u.level} | " + " | ".join(cells) + " |")
    out += ["", "## Changes", ""]
    if not report["changes"]:
        out.append("Nothing needed to change: the stats were already on the curve.")
    for ch in report["changes"]:
        before, after = ch["before"], ch["after"]
        pct = f" ({(after - before) / before * 100:+.0f}%)" if before else ""
        out.append(f"- **{ch['entity']}** {ch['stat']}: {before:g} \u2192 {after:g}{pct}")
    if report["notes"]:
        out += ["", "## Notes", ""] + [f"- {n}" for n in report["notes"]]
    return "\n".join(out) + "\n"


ACTION = ActionSpec(
    id="balance",
    name="Balance",
    description="Adjusts a group of characters' stats along a curve and explains the changes.",
    output="json",
    needs_intent=False,
    params=(
        asset("entities", "Characters", JSON, "A JSON file with the characters to balance."),
        choice(
            "curve",
            "Curve",
            ("linear", "exponential", "logarithmic", "s_curve"),
            "linear",
            "How fast stats grow from weakest to strongest.",
        ),
        integer("levels", "Levels", 20, 2, 100, "The number of levels the curve spans."),
    ),
    keywords=kw("balance, rebalance, fair, overpowered, curve"),
    make=make,
)
