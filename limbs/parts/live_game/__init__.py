"""Live Game: Play your game right here and watch new art pop in as you make it."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import LimbSpec

LIMB = LimbSpec(
    id="live_game",
    name="Live Game",
    category="spatial",
    icon="🕹️",
    explanation="Play your game right here and watch new art pop in as you make it.",
    colour="#00707a",
    keywords=kw("play, playing, playtest, playable, live, stage, try, inject, hot swap, swap, state, score"),
    examples=(
        "let me play a platformer",
        "a playable level with my dragon as the player",
        "swap in my new coin",
        "playtest my shooter",
    ),
)

# The actions, in the order the HUD shows them: one module each in this package.
ACTIONS = (
    "stage",
    "inject_asset",
    "state",
)
