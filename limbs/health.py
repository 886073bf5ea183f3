"""Health of each limb as the HUD shows it: can its built actions run right now?"""

from __future__ import annotations

from typing import Any

from limbs.registry import REGISTRY
from limbs.router import chain_for


def limb_health() -> dict[str, dict[str, Any]]:
    health: dict[str, dict[str, Any]] = {}
    for limb in REGISTRY.limbs:
        built = [a for a in limb.actions if a.built]
        if not built:
            health[limb.id] = {"status": "not_built", "label": "Not built yet", "tiers": []}
            continue
        tiers: dict[str, dict[str, Any]] = {}
        ready = 0
        for action in built:
            chain = [p for p in chain_for(limb.id, action.id) if p.configured()]
            if chain:
                ready += 1
            for provider in chain_for(limb.id, action.id):
                tiers[provider.name] = {"provider": provider.name, "configured": provider.configured()}
        if ready == len(built):
            status, label = "ok", "Ready"
        elif ready:
            status, label = "degraded", "Partly ready"
        else:
            status, label = "down", "Not available"
        health[limb.id] = {"status": status, "label": label, "tiers": list(tiers.values())}
    return health
