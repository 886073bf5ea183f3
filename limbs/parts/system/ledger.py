"""System · My usage: Shows how much of your allowance you have used."""

from __future__ import annotations

from limbs.params import choice, kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="ledger",
    name="My usage",
    description="Shows how much of your allowance you have used.",
    output="json",
    needs_intent=False,
    params=(choice("period", "Period", ("today", "week", "month"), "today", "Which time span to count."),),
    keywords=kw("ledger, quota, usage, used, left, budget"),
)
