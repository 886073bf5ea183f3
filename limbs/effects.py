"""Effects: changes to the studio that an action's ``make`` asks for (``GenResult.effects``).

``make`` stays pure; the one writer (``limbs.record``) applies each effect inside the same
transaction that stores the outputs and the ledger entry, through the handler registered
for its kind, so an effect happens exactly when its generation is recorded, or not at all.
Apps register their handlers at start-up (their ``AppConfig.ready``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from limbs.models import Generation
from limbs.spec import Effect

# (the generation being recorded, the effect's payload) -> what happened, for the ledger.
Handler = Callable[[Generation, Mapping[str, Any]], Mapping[str, Any]]

_HANDLERS: dict[str, Handler] = {}


class EffectError(Exception):
    """An effect could not be applied: the whole record is rolled back and the request fails."""


def register(kind: str, handler: Handler) -> None:
    _HANDLERS[kind] = handler


def registered(kind: str) -> bool:
    return kind in _HANDLERS


def apply(generation: Generation, effects: Iterable[Effect]) -> list[dict[str, Any]]:
    """Apply each effect in order; what each did, for the ledger entry."""
    done: list[dict[str, Any]] = []
    for effect in effects:
        handler = _HANDLERS.get(effect.kind)
        if handler is None:
            raise EffectError(f"The studio cannot apply a '{effect.kind}' change.")
        done.append({"kind": effect.kind, **handler(generation, effect.payload)})
    return done
