"""Relic: Dig up treasures from old RuneScape games and reuse them safely."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    # Browsing, previews, forks and matches have their workspace in the museum.
    home="/relics/",
    id="relic",
    name="Relic",
    category="metaphysical",
    icon="🏺",
    explanation="Dig up treasures from old RuneScape games and reuse them safely.",
    colour="#7b1fa2",
    keywords=kw(
        "relic, relics, runescape, rsc, rs3, cache, jag, jcache, excavate, dig, museum, ancient, "
        "old, classic, era, eras, catalog, catalogue, artifact, artefact"
    ),
    examples=(
        "dig up the old runescape sprites",
        "show the classic item catalog",
        "find the iron mace relic",
        "match the unicorn across eras",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "excavate",
    "catalog",
    "preview",
    "fork",
    "match",
)
