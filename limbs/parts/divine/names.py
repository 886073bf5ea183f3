"""Divine · Names: New names for people, creatures and places.

Markov-chain names that sound like a culture, as a JSON list and a plain-text list.
"""

from __future__ import annotations

import random

from limbs.craft import markov as _markov
from limbs.craft import words as words
from limbs.params import choice, integer, kw
from limbs.parts.divine._theme import dumps, each, file_stem
from limbs.spec import ActionSpec, GenRequest, GenResult, Output

_CULTURE_WORDS: dict[str, str] = {
    **each("elf elves elven elvish fairy fairies fae sylvan", "elvish"),
    **each("dwarf dwarves dwarven dwarvish miner miners beard", "dwarvish"),
    **each("orc orcs orcish goblin goblins troll trolls ogre ogres", "orcish"),
    **each("robot robots android androids droid droids bot bots mech cyborg ai", "robot"),
    **each("alien aliens space planet martian martians galaxy ufo", "alien"),
    **each(
        "town towns city cities village villages place places kingdom kingdoms island islands map",
        "place",
    ),
    **each("human humans person people knight knights villager villagers", "human"),
}


def make(req: GenRequest) -> GenResult:
    count = int(req.params.get("count", 10))
    culture = str(req.params.get("culture", "auto"))
    length = str(req.params.get("length", "medium"))
    tokens = words.normalise(req.intent).split()
    if culture not in _markov.CORPORA:
        culture = "human"
        for token in tokens:
            culture = _CULTURE_WORDS.get(token, culture)
    rng = random.Random(words.derive_seed(req.seed, req.intent, "divine.names"))
    candidates = {"low": 1, "medium": 2, "high": 4}.get(req.tension, 2)
    req.progress(0.2, "Listening to how the names sound")
    made = _markov.names(culture, count, rng, length=length, candidates=candidates)
    stem = file_stem(req.intent, "names")
    meta = {"culture": culture, "length": length, "count": len(made)}
    req.progress(1.0, "All done!")
    return GenResult(
        outputs=[
            Output(dumps(made), "application/json", f"{stem}.json", "main", meta),
            Output(("\n".join(made) + "\n").encode("utf-8"), "text/plain", f"{stem}.txt", "text", meta),
        ],
        meta=meta,
    )


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
