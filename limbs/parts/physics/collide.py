"""Physics · Collisions: Reports which boxes overlap each other."""

from __future__ import annotations

from limbs.params import JSON, asset, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="collide",
    name="Collisions",
    description="Reports which boxes overlap each other.",
    output="json",
    needs_intent=False,
    params=(asset("boxes", "Boxes", JSON, "A JSON list of boxes (x, y, width, height)."),),
    keywords=kw("collide, collision, overlap, hitbox, hitboxes, bump"),
)
