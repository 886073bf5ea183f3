"""Data · Search: Finds your files that mean something close to your words."""

from __future__ import annotations

from limbs.params import choice, integer, kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="search",
    name="Search",
    description="Finds your files that mean something close to your words.",
    output="json",
    params=(
        choice(
            "kind",
            "Kind",
            ("all", "image", "model", "audio", "text", "code"),
            "all",
            "Only search one kind of file.",
        ),
        integer("limit", "How many", 10, 1, 50, "Most results to show."),
        number("min_score", "Closeness", 0.2, 0.0, 1.0, "Hide results less close than this.", step=0.05),
    ),
    keywords=kw("search, find, look for, similar, lookup"),
)
