"""File · My files: lists everything you have made or uploaded (and your teams' things),
filtered by kind and project, as a JSON list with names, kinds, sizes and checksums."""

from __future__ import annotations

import json
import uuid
from typing import Any

from limbs.formats import KINDS
from limbs.params import ParamError, boolean, choice, integer, kw, string
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output, Studio


def refine(params: dict[str, Any], studio: Studio) -> None:
    project = str(params.get("project") or "").strip()
    if project:
        try:
            params["project"] = str(uuid.UUID(project))
        except ValueError:
            raise ParamError("project", f"'{project}' is not a project id.") from None


def make(req: GenRequest) -> GenResult:
    raw = req.snapshots.get("things")
    if raw is None:
        raise GeneratorInputError("kind", "The studio's list of your things was not read.")
    seen = json.loads(raw)
    things = seen["things"]
    doc = {
        "format": "pog.things/1",
        "kind": req.params.get("kind", "all"),
        "project": req.params.get("project") or None,
        "total": seen["total"],
        "shown": len(things),
        "things": things,
    }
    req.progress(0.8, f"Found {seen['total']} things")
    data = json.dumps(doc, indent=2, ensure_ascii=False).encode()
    return GenResult(
        outputs=[Output(data, "application/json", "my-files.json")], meta={"total": seen["total"]}
    )


ACTION = ActionSpec(
    id="list",
    name="My files",
    description="Lists everything you have made or uploaded.",
    output="json",
    needs_intent=False,
    uses_tension=False,
    params=(
        choice("kind", "Kind", ("all", *KINDS), "all", "Only show one kind of file."),
        string("project", "Project", "Optional: only the things of one project (its id).", max_length=64),
        integer("limit", "How many", 50, 1, 200, "Most files to show at once."),
        boolean("newest_first", "Newest first", True, "Show the newest files at the top."),
    ),
    keywords=kw("list, browse, show, see, all"),
    reads=("things",),
    refine=refine,
    make=make,
)
