"""Relic · Preview: Shows one relic as a picture, 3D model, map or sound."""

from __future__ import annotations

from limbs.params import kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="preview",
    name="Preview",
    description="Shows one relic as a picture, 3D model, map or sound.",
    output="data",
    needs_intent=False,
    params=(
        string("cache", "Cache", "Which cache it is in.", required=True, max_length=64),
        string("entry", "Entry", "Which entry to show.", required=True, max_length=120),
    ),
    keywords=kw("preview, show, look"),
)
