"""Live Game · Play: A playable scene in the browser that uses your newest art."""

from __future__ import annotations

from limbs.params import IMAGE, asset, choice, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="stage",
    name="Play",
    description="A playable scene in the browser that uses your newest art.",
    output="json",
    params=(
        choice(
            "template",
            "Kind of game",
            ("platformer", "top_down", "shooter", "sandbox"),
            "platformer",
            "The type of game to play.",
        ),
        asset(
            "player",
            "Player picture",
            IMAGE,
            "Optional: a sprite to play as.",
            required=False,
        ),
        integer("width", "Width", 960, 320, 1920, "Width of the play area, in pixels."),
        integer("height", "Height", 540, 240, 1080, "Height of the play area, in pixels."),
    ),
    keywords=kw("play, playing, playtest, playable, stage"),
)
