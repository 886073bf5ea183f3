"""ID Auditor · Reserve ids: Hands out new ids that clash with nothing, in your project or any cache.

``reserve`` returns ``count`` ids of one kind that no source uses, always one contiguous
run. By default the run starts just above the highest id in use, so freshly reserved ids
never fall between old ones; with ``fill_gaps`` it is the lowest free run (gaps included,
counting from 0) long enough to hold them all. Nothing is stored here: the caller records
the reservation (for instance as ids of a project source) so the next call avoids it.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Any

from limbs.params import boolean, choice, integer, kw
from limbs.parts.id_auditor import ID_TYPES
from limbs.parts.id_auditor._ids import MAX_ID, is_int, parse_sources, read_id_type
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output

MAX_COUNT = 1000


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


def make(req: GenRequest) -> GenResult:
    sources = parse_sources(req.snapshots.get("ids"))
    id_type = read_id_type(req.params, allow_all=False)
    count = req.params.get("count", 1)
    if not is_int(count) or not 1 <= count <= MAX_COUNT:
        raise GeneratorInputError("count", f"count must be a whole number from 1 to {MAX_COUNT}.")
    fill_gaps = _flag(req.params, "fill_gaps")
    max_id = req.params.get("max_id", MAX_ID)
    if not is_int(max_id) or not 0 <= max_id <= MAX_ID:
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


ACTION = ActionSpec(
    id="reserve",
    name="Reserve ids",
    description="Hands out new ids that clash with nothing, in your project or any cache.",
    output="json",
    needs_intent=False,
    params=(
        choice("type", "Kind", ID_TYPES, "item", "What the ids are for."),
        integer("count", "How many", 1, 1, 1000, "How many ids to reserve."),
        boolean("fill_gaps", "Fill gaps", False, "Use skipped numbers when a whole run fits in one."),
    ),
    keywords=kw("reserve, new, claim"),
    reads=("ids",),
    make=make,
)
