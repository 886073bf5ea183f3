"""Live Game · Swap in: Puts a picture, sound or model into the running game straight away."""

from __future__ import annotations

from limbs.params import asset, kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="inject_asset",
    name="Swap in",
    description="Puts a picture, sound or model into the running game straight away.",
    output="json",
    needs_intent=False,
    params=(
        asset("asset", "Thing", ("image/", "audio/", "model/"), "The picture, sound or model to use."),
        string(
            "slot",
            "Where it goes",
            "Which part of the game it replaces, e.g. player or coin.",
            default="player",
            max_length=40,
        ),
    ),
    keywords=kw("inject, swap, hot swap, replace, put"),
)
