"""Reality · Verify: Checks that nothing in a checkpoint has changed."""

from __future__ import annotations

from limbs.params import kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="verify",
    name="Verify",
    description="Checks that nothing in a checkpoint has changed.",
    output="json",
    needs_intent=False,
    params=(string("checkpoint", "Checkpoint", "Which checkpoint to check.", required=True, max_length=64),),
    keywords=kw("verify, unchanged, merkle"),
)
