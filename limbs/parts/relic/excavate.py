"""Relic · Excavate: Registers an old game cache so its treasures can be browsed (it is never changed)."""

from __future__ import annotations

from limbs.params import choice, kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="excavate",
    name="Excavate",
    description="Registers an old game cache so its treasures can be browsed (it is never changed).",
    output="json",
    needs_intent=False,
    params=(
        string(
            "source",
            "Cache location",
            "The folder or file of the old game cache on the server.",
            required=True,
            max_length=500,
        ),
        choice("era", "Era", ("auto", "classic", "rs3"), "auto", "Which game the cache is from."),
        string("name", "Name", "Optional: a name for this cache.", max_length=80),
    ),
    keywords=kw("excavate, dig, register, cache"),
)
