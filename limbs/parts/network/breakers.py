"""Network · Circuit breakers:
Shows which services are paused after failing, and when they will be tried again.
"""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="breakers",
    name="Circuit breakers",
    description="Shows which services are paused after failing, and when they will be tried again.",
    output="json",
    needs_intent=False,
    keywords=kw("breaker, breakers, paused, tripped"),
)
