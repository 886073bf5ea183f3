"""The procedural tier: each action's own deterministic ``make``, the end of every chain."""

from __future__ import annotations

from dataclasses import replace

from limbs.providers.base import ProviderResult
from limbs.registry import REGISTRY
from limbs.spec import GenRequest


class ProceduralProvider:
    name = "procedural"

    def configured(self) -> bool:
        return True

    def supports(self, limb: str, action: str) -> bool:
        spec = REGISTRY.action(limb, action)
        return spec is not None and spec.built

    def default_model(self, limb: str, action: str) -> str | None:
        return f"pog-procedural/{limb}.{action}@1"

    def run(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> ProviderResult:
        result = REGISTRY.call(limb, action, replace(request, studio=REGISTRY))
        model = self.default_model(limb, action) or ""
        return ProviderResult(outputs=list(result.outputs), model=model, effects=tuple(result.effects))
