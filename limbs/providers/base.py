"""What every tier of the fallback chain looks like to the router."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from limbs.generators.base import GenRequest, Output


@dataclass(frozen=True)
class ProviderResult:
    outputs: list[Output]
    model: str


class Provider(Protocol):
    name: str

    def configured(self) -> bool:
        """False when the operator has not set the provider up: skipped at zero cost."""
        ...

    def supports(self, limb: str, action: str) -> bool: ...

    def default_model(self, limb: str, action: str) -> str | None:
        """The model used unless the user prefers another (None: the tier has no models)."""
        ...

    def run(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> ProviderResult: ...
