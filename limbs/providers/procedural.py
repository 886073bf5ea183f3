"""The procedural tier: deterministic local generators, the end of every chain."""

from __future__ import annotations

from limbs.generators import GENERATORS
from limbs.generators.base import GenRequest
from limbs.providers.base import ProviderResult


class ProceduralProvider:
    name = "procedural"

    def configured(self) -> bool:
        return True

    def supports(self, limb: str, action: str) -> bool:
        return (limb, action) in GENERATORS

    def default_model(self, limb: str, action: str) -> str | None:
        return f"pog-procedural/{limb}.{action}@1"

    def run(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> ProviderResult:
        result = GENERATORS[(limb, action)](request)
        return ProviderResult(outputs=list(result.outputs), model=self.default_model(limb, action) or "")
