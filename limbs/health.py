"""Health of each limb as the HUD shows it: can its built actions run right now, and
through which tiers?"""

from __future__ import annotations

from typing import Any

from limbs import breakers
from limbs.registry import REGISTRY
from limbs.router import PROCEDURAL, chain_for


def _tier_state(limb: str, action: str) -> list[dict[str, Any]]:
    tiers = []
    for provider in chain_for(limb, action):
        entry: dict[str, Any] = {"provider": provider.name, "configured": provider.configured()}
        if provider is PROCEDURAL:
            entry["state"] = "ready"
        elif not entry["configured"]:
            entry["state"] = "not configured"
        else:
            model = provider.default_model(limb, action) or ""
            entry["model"] = model
            entry["state"] = breakers.breaker(provider.name, model).state().state
        tiers.append(entry)
    return tiers


def limb_health(only: str | None = None) -> dict[str, dict[str, Any]]:
    """Health by limb id; ``only`` limits the work to one limb."""
    health: dict[str, dict[str, Any]] = {}
    for limb in REGISTRY.limbs:
        if only is not None and limb.id != only:
            continue
        built = [a for a in limb.actions if a.built]
        if not built:
            health[limb.id] = {"status": "not_built", "label": "Not built yet", "tiers": []}
            continue
        tiers: dict[str, dict[str, Any]] = {}
        ready = 0
        for action in built:
            states = _tier_state(limb.id, action.id)
            if any(t["state"] in ("ready", "closed", "half_open") for t in states):
                ready += 1
            for tier in states:
                tiers.setdefault(tier["provider"], tier)
        remote_down = any(t["state"] in ("open", "forced_open") for t in tiers.values())
        if ready == len(built) and not remote_down:
            status, label = "ok", "Ready"
        elif ready:
            status, label = "degraded", "Ready, some helpers resting"
        else:
            status, label = "down", "Not available"
        health[limb.id] = {"status": status, "label": label, "tiers": list(tiers.values())}
    return health
