"""Relic · Match across eras: finds entries with the same name (accents, case and
punctuation aside) in every cache you may see, Classic and RS3 alike."""

from __future__ import annotations

import json

from limbs.params import choice, integer, kw, string
from limbs.spec import ActionSpec, GeneratorInputError, GenRequest, GenResult, Output
from relics.catalog import ERAS, KIND_LABELS

MATCHES_FORMAT = "pog.relic.matches/1"


def make(req: GenRequest) -> GenResult:
    raw = req.snapshots.get("matches")
    if raw is None:
        raise GeneratorInputError("name", "The museum's matches were not read.")
    seen = json.loads(raw)
    by_era: dict[str, int] = {}
    for found in seen["matches"]:
        by_era[found["era"]] = by_era.get(found["era"], 0) + 1
    doc = {
        "format": MATCHES_FORMAT,
        "era": req.params.get("era", "any"),
        "kind": req.params.get("kind", "all"),
        **seen,
        "eras": by_era,
    }
    req.progress(0.8, f"Found {seen['total']} matches")
    data = json.dumps(doc, indent=2, ensure_ascii=False).encode()
    return GenResult(
        outputs=[Output(data, "application/json", "relic-matches.json")], meta={"total": seen["total"]}
    )


ACTION = ActionSpec(
    id="match",
    name="Match across eras",
    description="Finds things with the same name in caches from different eras.",
    output="json",
    needs_intent=False,
    uses_tension=False,
    params=(
        string(
            "name", "Name", "The name to look for, like Iron Mace or Unicorn.", required=True, max_length=200
        ),
        choice("era", "Era", ("any", *ERAS), "any", "Only look in caches of one era."),
        choice("kind", "Kind", ("all", *KIND_LABELS), "all", "Only look at one kind of thing."),
        integer("limit", "How many", 20, 1, 200, "Most matches to show."),
    ),
    keywords=kw("match, across, era, eras"),
    reads=("matches",),
    make=make,
)
