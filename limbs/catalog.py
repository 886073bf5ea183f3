"""The limbs as accounts asks about them (``accounts.hooks.LimbCatalog``).

``limbs.apps`` hands this catalogue to accounts at start-up, so metabolism, kill switches
and the settings page can check limb ids, macros and preferred models without importing
the limbs app.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from accounts.hooks import DefaultModel, ParamsInvalid
from limbs.params import ParamError, validate_params
from limbs.registry import REGISTRY
from limbs.router import PROCEDURAL, providers
from limbs.spec import LimbSpec


class LimbsCatalog:
    def get(self, limb_id: str) -> LimbSpec | None:
        return REGISTRY.get(limb_id)

    def clean_params(self, limb_id: str, action_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        limb = REGISTRY.get(limb_id)
        action = limb.action(action_id) if limb is not None else None
        if action is None:  # the caller looked both up first (get, then Limb.action)
            raise LookupError(f"no action {action_id!r} of a limb {limb_id!r}")
        try:
            return validate_params(action, params)
        except ParamError as exc:
            raise ParamsInvalid(exc.field, exc.message) from None

    def default_models(self) -> Iterator[DefaultModel]:
        tiers = [p for p in providers() if p is not PROCEDURAL]
        for limb in REGISTRY.limbs:
            for action in limb.actions:
                for provider in tiers:
                    if provider.name not in action.ai_tiers or not provider.supports(limb.id, action.id):
                        continue
                    model = provider.default_model(limb.id, action.id)
                    if model:
                        yield DefaultModel(limb, action, provider.name, model)
