"""Relic · Match across eras: Finds things with the same name in caches from different eras."""

from __future__ import annotations

from limbs.params import integer, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="match",
    name="Match across eras",
    description="Finds things with the same name in caches from different eras.",
    output="json",
    params=(
        number("min_similarity", "Closeness", 0.8, 0.0, 1.0, "How alike the names must be.", step=0.05),
        integer("limit", "How many", 20, 1, 200, "Most matches to show."),
    ),
    keywords=kw("match, across, era, eras"),
)
