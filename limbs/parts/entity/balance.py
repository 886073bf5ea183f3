"""Entity · Balance: Adjusts a group of characters' stats along a curve and explains the changes."""

from __future__ import annotations

from limbs.generators.entity import balance as make
from limbs.params import JSON, asset, choice, integer, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="balance",
    name="Balance",
    description="Adjusts a group of characters' stats along a curve and explains the changes.",
    output="json",
    needs_intent=False,
    params=(
        asset("entities", "Characters", JSON, "A JSON file with the characters to balance."),
        choice(
            "curve",
            "Curve",
            ("linear", "exponential", "logarithmic", "s_curve"),
            "linear",
            "How fast stats grow from weakest to strongest.",
        ),
        integer("levels", "Levels", 20, 2, 100, "The number of levels the curve spans."),
    ),
    keywords=kw("balance, rebalance, fair, overpowered, curve"),
    make=make,
)
