"""Live Game · Game state: Shows what is happening in the running game right now."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="state",
    name="Game state",
    description="Shows what is happening in the running game right now.",
    output="json",
    needs_intent=False,
    keywords=kw("state, score, happening"),
)
