"""Typed descriptions of limbs, actions and their parameters.

Pure Python (no Django), so the registry can be imported by generators,
benchmarks and tests alike. ``validate_params`` is the one place where user
parameters are checked and defaults filled in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ParamType = Literal["string", "text", "integer", "number", "boolean", "choice", "asset"]
Category = Literal["creative", "spatial", "technical", "metaphysical"]
OutputKind = Literal["image", "model", "audio", "text", "code", "json", "archive", "data"]

CATEGORIES: tuple[tuple[Category, str, str], ...] = (
    ("creative", "Creative", "Make pictures, sounds, stories and characters."),
    ("spatial", "Spatial", "Build 3D things, worlds and the rules that move them."),
    ("technical", "Technical", "Code, files and the nuts and bolts of a game."),
    ("metaphysical", "Metaphysical", "The studio's own magic: backups, pipelines and old relics."),
)


class ParamError(ValueError):
    """A parameter failed validation; ``field`` names it for the 422 response."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: ParamType
    label: str
    help: str = ""
    default: Any = None
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    # For ``asset`` parameters: accepted MIME types (prefix match, "image/").
    accepts: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "help": self.help,
            "required": self.required,
            "default": self.default,
        }
        for key in ("minimum", "maximum", "step", "max_length"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.choices:
            out["choices"] = list(self.choices)
        if self.accepts:
            out["accepts"] = list(self.accepts)
        return out


@dataclass(frozen=True)
class ActionSpec:
    id: str
    name: str
    description: str
    output: OutputKind
    params: tuple[ParamSpec, ...] = ()
    # True only when a real implementation exists behind the action.
    built: bool = False
    # Tiers in front of procedural, e.g. ("cloudflare", "gemini", "ollama").
    ai_tiers: tuple[str, ...] = ()
    # Whether the intent text is needed (False for e.g. image_to_3d).
    needs_intent: bool = True
    # Seconds a ``wait=true`` request waits before answering with the job still running.
    deadline_s: float = 30.0
    examples: tuple[str, ...] = ()
    # False for results that describe a moment (e.g. live breaker states): never remembered.
    cacheable: bool = True

    def param(self, name: str) -> ParamSpec | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "output": self.output,
            "built": self.built,
            "ai_tiers": list(self.ai_tiers),
            "needs_intent": self.needs_intent,
            "deadline_s": self.deadline_s,
            "params": [p.as_json() for p in self.params],
            "examples": list(self.examples),
        }


@dataclass(frozen=True)
class LimbSpec:
    id: str
    name: str
    category: Category
    icon: str
    explanation: str
    actions: tuple[ActionSpec, ...]
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    colour: str = "#6c5ce7"

    @property
    def built(self) -> bool:
        return any(a.built for a in self.actions)

    def action(self, action_id: str) -> ActionSpec | None:
        for a in self.actions:
            if a.id == action_id:
                return a
        return None

    @property
    def default_action(self) -> ActionSpec:
        for a in self.actions:
            if a.built:
                return a
        return self.actions[0]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "icon": self.icon,
            "explanation": self.explanation,
            "colour": self.colour,
            "built": self.built,
            "keywords": list(self.keywords),
            "examples": list(self.examples),
            "actions": [a.as_json() for a in self.actions],
        }


def _coerce_bool(spec: ParamSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "1", "yes", "on"}:
        return True
    if isinstance(value, str) and value.lower() in {"false", "0", "no", "off", ""}:
        return False
    raise ParamError(spec.name, f"{spec.label} must be true or false.")


def _coerce_number(spec: ParamSpec, value: Any) -> int | float:
    if isinstance(value, bool):
        raise ParamError(spec.name, f"{spec.label} must be a number, not true/false.")
    try:
        if spec.type == "integer":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            number: int | float = int(str(value).strip()) if isinstance(value, str) else int(value)
        else:
            number = float(value)
    except (TypeError, ValueError):
        kind = "a whole number" if spec.type == "integer" else "a number"
        raise ParamError(spec.name, f"{spec.label} must be {kind}.") from None
    if spec.type == "number" and not math.isfinite(number):
        raise ParamError(spec.name, f"{spec.label} must be a finite number.")
    if spec.minimum is not None and number < spec.minimum:
        raise ParamError(spec.name, f"{spec.label} must be at least {_fmt(spec.minimum)}.")
    if spec.maximum is not None and number > spec.maximum:
        raise ParamError(spec.name, f"{spec.label} must be at most {_fmt(spec.maximum)}.")
    return number


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def validate_params(action: ActionSpec, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check ``raw`` against the action's schema; return values with defaults filled.

    Unknown parameters are rejected so typos do not silently do nothing.
    Asset parameters are returned as the id string; resolving and ownership
    checks happen where the database is available.
    """
    raw = dict(raw or {})
    known = {p.name for p in action.params}
    for name in raw:
        if name not in known:
            allowed = ", ".join(sorted(known)) or "none"
            raise ParamError(name, f"Unknown parameter '{name}'. Allowed: {allowed}.")
    clean: dict[str, Any] = {}
    for spec in action.params:
        value = raw.get(spec.name)
        if value is None or (isinstance(value, str) and value.strip() == "" and spec.type != "text"):
            if spec.required:
                raise ParamError(spec.name, f"{spec.label} is required.")
            if spec.default is not None:
                clean[spec.name] = spec.default
            continue
        if spec.type in ("integer", "number"):
            clean[spec.name] = _coerce_number(spec, value)
        elif spec.type == "boolean":
            clean[spec.name] = _coerce_bool(spec, value)
        elif spec.type == "choice":
            text = str(value)
            if text not in spec.choices:
                raise ParamError(spec.name, f"{spec.label} must be one of: {', '.join(spec.choices)}.")
            clean[spec.name] = text
        elif spec.type in ("string", "text"):
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise ParamError(spec.name, f"{spec.label} must be text.")
            text = str(value)
            if spec.max_length is not None and len(text) > spec.max_length:
                raise ParamError(
                    spec.name, f"{spec.label} is too long (at most {spec.max_length} characters)."
                )
            clean[spec.name] = text
        elif spec.type == "asset":
            if not isinstance(value, str) or not value.strip():
                raise ParamError(spec.name, f"{spec.label} must be the id of one of your assets.")
            clean[spec.name] = value.strip()
    return clean


@dataclass(frozen=True)
class Registry:
    limbs: tuple[LimbSpec, ...] = field(default_factory=tuple)

    def get(self, limb_id: str) -> LimbSpec | None:
        for limb in self.limbs:
            if limb.id == limb_id:
                return limb
        return None

    def by_category(self) -> list[tuple[Category, str, str, list[LimbSpec]]]:
        return [
            (cat, title, blurb, [limb for limb in self.limbs if limb.category == cat])
            for cat, title, blurb in CATEGORIES
        ]
