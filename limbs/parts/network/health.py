"""Network · Health check: Pings every helper service and shows which ones answer."""

from __future__ import annotations

from limbs.params import kw, number
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="health",
    name="Health check",
    description="Pings every helper service and shows which ones answer.",
    output="json",
    needs_intent=False,
    params=(number("timeout", "Wait", 2.0, 0.5, 10.0, "Seconds to wait for each answer.", step=0.5),),
    keywords=kw("health check, every, all, awake, online, internet, connection"),
)
