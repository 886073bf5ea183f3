"""The 27 limbs, collected from their packages under ``limbs/parts/`` (pure Python).

A limb is a package: ``LIMB`` (its ``LimbSpec``) and ``ACTIONS`` (its action modules, in
HUD order) in ``__init__.py``, and one module per action holding that action's
``ACTION``. Adding a limb is one folder plus one line in ``LIMBS``; adding an action is
one module plus one line in its package's ``ACTIONS``. Order and ids follow LIMBS.md.
"""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module

from limbs.spec import ActionSpec, LimbSpec, Registry

PARTS = "limbs.parts"

LIMBS = (
    "image",
    "video",
    "audio",
    "material",
    "animation",
    "divine",
    "quantum",
    "entity",
    "mesh",
    "spatial",
    "world",
    "landscape",
    "physics",
    "live_game",
    "code",
    "file",
    "data",
    "pipeline",
    "version_control",
    "id_auditor",
    "network",
    "system",
    "security",
    "ghost",
    "orchestrator",
    "reality",
    "relic",
)


class RegistryError(RuntimeError):
    """A limb package does not hold what the registry needs (a developer's mistake)."""


def _action(limb_id: str, name: str) -> ActionSpec:
    module = import_module(f"{PARTS}.{limb_id}.{name}")
    action = getattr(module, "ACTION", None)
    if not isinstance(action, ActionSpec) or action.id != name:
        raise RegistryError(f"{module.__name__} must define ACTION = ActionSpec(id={name!r}, ...)")
    return action


def _limb(limb_id: str) -> LimbSpec:
    package = import_module(f"{PARTS}.{limb_id}")
    limb = getattr(package, "LIMB", None)
    names = getattr(package, "ACTIONS", None)
    if not isinstance(limb, LimbSpec) or limb.id != limb_id:
        raise RegistryError(f"{package.__name__} must define LIMB = LimbSpec(id={limb_id!r}, ...)")
    if not isinstance(names, tuple) or not names or len(set(names)) != len(names):
        raise RegistryError(f"{package.__name__} must list its action modules once each in ACTIONS")
    return replace(limb, actions=tuple(_action(limb_id, name) for name in names))


REGISTRY = Registry(limbs=tuple(_limb(limb_id) for limb_id in LIMBS))


def get_limb(limb_id: str) -> LimbSpec | None:
    return REGISTRY.get(limb_id)


def get_action(limb_id: str, action_id: str) -> ActionSpec | None:
    return REGISTRY.action(limb_id, action_id)
