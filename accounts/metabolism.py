"""Changing a person's metabolism (preferences), strongly consistent.

Every change is based on a version; the UPDATE only applies when that version is
still current, so two concurrent edits can never both "win" and silently lose one:
the second gets a conflict (409) with the current state and retries on top of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import timezone

from accounts.hooks import ParamsInvalid, limb_catalog
from accounts.models import Metabolism, Tier, User

REMOTE_PROVIDERS = ("cloudflare", "gemini", "ollama")
MAX_MACROS = 50
EDITABLE = ("preferred_models", "confidence", "macros", "trust_profile", "efficiency_mode")


class MetabolismInvalid(ValueError):  # noqa: N818 (reads as a verdict at the call sites)
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class VersionConflict(Exception):  # noqa: N818
    """The change was based on an old version; ``current`` is what it is now."""

    def __init__(self, current: Metabolism) -> None:
        super().__init__(f"metabolism changed meanwhile (now version {current.version})")
        self.current = current


def _clean_preferred(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise MetabolismInvalid("preferred_models", "preferred_models maps a limb to provider:model.")
    clean: dict[str, str] = {}
    for limb, choice in value.items():
        if limb_catalog().get(str(limb)) is None:
            raise MetabolismInvalid(f"preferred_models.{limb}", f"There is no limb called '{limb}'.")
        if choice in (None, ""):
            continue  # clearing a preference
        provider, sep, model = str(choice).partition(":")
        if not sep or provider not in REMOTE_PROVIDERS or not model.strip() or len(model) > 120:
            raise MetabolismInvalid(
                f"preferred_models.{limb}",
                f"Write the preferred model as provider:model, with provider one of "
                f"{', '.join(REMOTE_PROVIDERS)} (e.g. cloudflare:@cf/black-forest-labs/flux-1-schnell).",
            )
        clean[str(limb)] = f"{provider}:{model.strip()}"
    return clean


def _clean_confidence(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise MetabolismInvalid("confidence", "confidence must be an object of limb (or *): a number 0..1.")
    clean: dict[str, float] = {}
    for limb, threshold in value.items():
        key = str(limb)
        if key != "*" and limb_catalog().get(key) is None:
            raise MetabolismInvalid(f"confidence.{key}", f"There is no limb called '{key}'.")
        if threshold is None or threshold == "":
            continue
        try:
            number = float(threshold)
        except (TypeError, ValueError):
            raise MetabolismInvalid(f"confidence.{key}", "A confidence threshold is a number.") from None
        if isinstance(threshold, bool) or not math.isfinite(number) or not 0.0 <= number <= 1.0:
            raise MetabolismInvalid(f"confidence.{key}", "A confidence threshold is between 0 and 1.")
        clean[key] = round(number, 3)
    return clean


def _clean_macros(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise MetabolismInvalid("macros", "macros must be a list.")
    if len(value) > MAX_MACROS:
        raise MetabolismInvalid("macros", f"At most {MAX_MACROS} macros.")
    clean: list[dict[str, Any]] = []
    for i, macro in enumerate(value):
        where = f"macros.{i}"
        if not isinstance(macro, Mapping):
            raise MetabolismInvalid(where, "A macro is an object with name, limb, action, intent and params.")
        name = str(macro.get("name", "")).strip()
        if not name or len(name) > 60:
            raise MetabolismInvalid(f"{where}.name", "A macro needs a name of at most 60 characters.")
        limb = limb_catalog().get(str(macro.get("limb", "")))
        if limb is None:
            raise MetabolismInvalid(f"{where}.limb", f"There is no limb called '{macro.get('limb')}'.")
        action = limb.action(str(macro.get("action") or limb.default_action.id))
        if action is None:
            wanted = macro.get("action")
            raise MetabolismInvalid(f"{where}.action", f"The {limb.name} limb has no action '{wanted}'.")
        intent = str(macro.get("intent", ""))
        if len(intent) > 2000:
            raise MetabolismInvalid(f"{where}.intent", "A macro's idea is at most 2000 characters.")
        try:
            params = limb_catalog().clean_params(limb.id, action.id, macro.get("params") or {})
        except ParamsInvalid as exc:
            raise MetabolismInvalid(f"{where}.params.{exc.field}", exc.message) from None
        clean.append({"name": name, "limb": limb.id, "action": action.id, "intent": intent, "params": params})
    return clean


def _clean_choice(field: str, value: Any, choices: list[str]) -> str:
    if value not in choices:
        raise MetabolismInvalid(field, f"{field} must be one of: {', '.join(choices)}.")
    return str(value)


def clean_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a partial update; unknown fields are refused so typos do not vanish."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise MetabolismInvalid(sorted(unknown)[0], f"Unknown field; editable: {', '.join(EDITABLE)}.")
    clean: dict[str, Any] = {}
    if "preferred_models" in changes:
        clean["preferred_models"] = _clean_preferred(changes["preferred_models"])
    if "confidence" in changes:
        clean["confidence"] = _clean_confidence(changes["confidence"])
    if "macros" in changes:
        clean["macros"] = _clean_macros(changes["macros"])
    if "trust_profile" in changes:
        trust = Metabolism.Trust.values
        clean["trust_profile"] = _clean_choice("trust_profile", changes["trust_profile"], trust)
    if "efficiency_mode" in changes:
        clean["efficiency_mode"] = _clean_choice(
            "efficiency_mode", changes["efficiency_mode"], Metabolism.Efficiency.values
        )
    return clean


def update_metabolism(user: User, base_version: int, changes: Mapping[str, Any]) -> Metabolism:
    """Apply ``changes`` if ``base_version`` is still current; else raise VersionConflict."""
    clean = clean_changes(changes)
    Metabolism.for_user(user)
    updated = Metabolism.objects.filter(user=user, version=base_version).update(
        version=F("version") + 1, updated_at=timezone.now(), **clean
    )
    current = Metabolism.objects.get(user=user)
    if not updated:
        raise VersionConflict(current)
    return current


@dataclass(frozen=True)
class Preferences:
    """What the router needs to know about the person a generation is for."""

    prefer: str = ""
    threshold: float = 0.0
    read_cache: bool = True
    write_cache: bool = True
    private_cache: bool = False
    recheck_cache: bool = False

    @classmethod
    def for_owner(cls, user: User, limb: str, *, preloaded: bool = False) -> Preferences:
        """``preloaded``: ``user`` was just read with ``select_related("metabolism")``, so its
        metabolism is current and costs no query. (Otherwise it is read afresh: an instance's
        cached metabolism may be older than the last update.)"""
        metabolism = _metabolism_of(user, preloaded)
        tier = user.effective_tier()
        policy = tier.cache_policy
        fresh = metabolism.efficiency_mode != Metabolism.Efficiency.MUSCLE
        zero = metabolism.trust_profile == Metabolism.Trust.ZERO
        return cls(
            prefer=str(metabolism.preferred_models.get(limb, "")),
            threshold=metabolism.threshold_for(limb),
            read_cache=policy != Tier.CachePolicy.OFF and not fresh,
            write_cache=policy != Tier.CachePolicy.OFF,
            private_cache=policy == Tier.CachePolicy.PRIVATE or zero,
            recheck_cache=zero,
        )


def _metabolism_of(user: User, preloaded: bool) -> Metabolism:
    """The user's metabolism, or the defaults when none is saved."""
    if preloaded and User.metabolism.is_cached(user):
        try:
            return user.metabolism
        except Metabolism.DoesNotExist:
            return Metabolism(user=user)
    return Metabolism.objects.filter(user=user).first() or Metabolism(user=user)
