"""System · Economy mode: Chooses between cheap reuse, trying new ideas, or the best quality."""

from __future__ import annotations

from limbs.params import choice, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="economy_mode",
    name="Economy mode",
    description="Chooses between cheap reuse, trying new ideas, or the best quality.",
    output="json",
    needs_intent=False,
    params=(
        choice(
            "mode",
            "Mode",
            ("muscle", "discovery", "precision"),
            None,
            "Muscle reuses earlier results, discovery tries new ideas, precision uses the best "
            "models. Leave empty to see the current mode.",
        ),
    ),
    keywords=kw("economy, economy mode, mode, muscle, discovery, precision"),
)
