"""Reality · Restore: Brings your project back to how it was at a checkpoint."""

from __future__ import annotations

from limbs.params import kw, string
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="restore",
    name="Restore",
    description="Brings your project back to how it was at a checkpoint.",
    output="json",
    needs_intent=False,
    params=(
        string(
            "checkpoint",
            "Checkpoint",
            "Which checkpoint to go back to.",
            required=True,
            max_length=64,
        ),
    ),
    keywords=kw("restore, go back"),
)
