"""Divine · Names: New names for people, creatures and places."""

from __future__ import annotations

from limbs.generators.divine import names as make
from limbs.params import choice, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="names",
    name="Names",
    description="New names for people, creatures and places.",
    output="json",
    params=(
        integer("count", "How many", 10, 1, 50, "How many names to make."),
        choice(
            "culture",
            "Sound like",
            ("auto", "elvish", "dwarvish", "orcish", "human", "robot", "alien", "place"),
            "auto",
            "What the names should sound like. Auto reads it from your words.",
        ),
        choice("length", "Length", ("short", "medium", "long"), "medium", "How long each name is."),
    ),
    keywords=kw("name, names, naming, nickname, called"),
    make=make,
)
