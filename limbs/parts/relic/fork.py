"""Relic · Fork: Copies a relic into your studio as a new file that remembers where it came from."""

from __future__ import annotations

from limbs.params import kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="fork",
    name="Fork",
    description="Copies a relic into your studio as a new file that remembers where it came from.",
    output="data",
    needs_intent=False,
    params=(
        string("cache", "Cache", "Which cache it is in.", required=True, max_length=64),
        string("entry", "Entry", "Which entry to copy.", required=True, max_length=120),
        string("name", "New name", "Optional: a name for your copy.", max_length=80),
    ),
    keywords=kw("fork, copy, reuse"),
)
