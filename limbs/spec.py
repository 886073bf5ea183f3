"""What a limb and an action are, and what an action's ``make`` is given and returns.

Pure Python (no Django): limb packages, providers, benchmarks and tests all import it.
A limb package (``limbs/parts/<limb>/``) declares a ``LimbSpec``; each of its action
modules declares an ``ActionSpec`` whose ``make`` turns a ``GenRequest`` into a
``GenResult``. An action without ``make`` is not built yet: that is derived, never a flag.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

# "asset", "assets" and "generation" name records of the person's by id, "relic" a relic cache
# by its sha256 (checked where the database is); "file" is a file the person sends with the
# request (an ``Upload``).
ParamType = Literal[
    "string",
    "text",
    "integer",
    "number",
    "boolean",
    "choice",
    "asset",
    "assets",
    "generation",
    "relic",
    "file",
]
Category = Literal["creative", "spatial", "technical", "metaphysical"]
OutputKind = Literal["image", "model", "audio", "text", "code", "json", "archive", "data"]
Tension = Literal["low", "medium", "high"]
ProgressFn = Callable[[float, str], None]

CATEGORIES: tuple[tuple[Category, str, str], ...] = (
    ("creative", "Creative", "Make pictures, sounds, stories and characters."),
    ("spatial", "Spatial", "Build 3D things, worlds and the rules that move them."),
    ("technical", "Technical", "Code, files and the nuts and bolts of a game."),
    ("metaphysical", "Metaphysical", "The studio's own magic: backups, pipelines and old relics."),
)


# --- what make is given and returns ----------------------------------------------------


def _no_progress(fraction: float, message: str) -> None:
    return None


class Studio(Protocol):
    """What a composite action may ask of the studio: other limbs, and their actions run."""

    def get(self, limb_id: str) -> LimbSpec | None: ...

    def call(self, limb_id: str, action_id: str, request: GenRequest) -> GenResult: ...


@dataclass(frozen=True)
class GenRequest:
    """Everything an action's ``make`` may look at. Same request -> same bytes."""

    intent: str
    params: Mapping[str, Any]
    seed: int
    tension: Tension = "medium"
    # Asset parameters resolved to their bytes, keyed by parameter name.
    inputs: Mapping[str, bytes] = field(default_factory=dict)
    # Called with (0..1, a short sentence a child understands).
    progress: ProgressFn = _no_progress
    # The studio's records an action declared in ``reads``: name -> canonical JSON bytes.
    snapshots: Mapping[str, bytes] = field(default_factory=dict)
    # Set by whoever runs the request, for composite actions (``call``).
    studio: Studio | None = field(default=None, compare=False, repr=False)

    def call(self, limb_id: str, action_id: str, request: GenRequest) -> GenResult:
        """Run another action (procedurally) as part of this one."""
        if self.studio is None:
            raise GeneratorInputError("target", "This request cannot call other actions.")
        return self.studio.call(limb_id, action_id, replace(request, studio=self.studio))

    def limb(self, limb_id: str) -> LimbSpec | None:
        return self.studio.get(limb_id) if self.studio is not None else None


@dataclass(frozen=True)
class Output:
    data: bytes
    mime: str
    name: str
    role: str = "main"
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Effect:
    """A change to the studio that ``make`` asks for; applied inside the one record
    transaction by the handler registered for ``kind`` (never by ``make`` itself)."""

    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GenResult:
    outputs: list[Output]
    meta: Mapping[str, Any] = field(default_factory=dict)
    effects: tuple[Effect, ...] = ()


def main_output(outputs: Sequence[Output]) -> Output:
    """The first output in the ``main`` role (or the first output)."""
    return next((o for o in outputs if o.role == "main"), outputs[0])


class GeneratorInputError(ValueError):
    """The inputs cannot be used (e.g. an attachment that is not an image).

    ``field`` names the parameter at fault so the API can answer 422.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[GeneratorInputError], tuple[str, str]]:
        # Crosses back from a generator process (pog_site.procs) as itself.
        return (type(self), (self.field, self.message))


Make = Callable[[GenRequest], GenResult]
# Checks that need several outputs of one result together (a tile's seams, an atlas).
Check = Callable[[Sequence[Output]], None]
# Checks of params that need more than their schema (a target that must exist).
Refine = Callable[[dict[str, Any], Studio], None]


# --- limbs, actions, params -------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file sent with a request, before the studio stores it."""

    name: str
    data: bytes = field(repr=False)


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
    # For ``file`` parameters: the largest file taken, in bytes; for ``assets``: how many.
    max_bytes: int | None = None
    max_items: int | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "help": self.help,
            "required": self.required,
            "default": self.default,
        }
        for key in ("minimum", "maximum", "step", "max_length", "max_bytes", "max_items"):
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
    # The procedural implementation; an action without one is not built yet.
    make: Make | None = field(default=None, compare=False, repr=False)
    # Tiers in front of procedural, e.g. ("cloudflare", "gemini", "ollama").
    ai_tiers: tuple[str, ...] = ()
    # The AI task shape those tiers are asked in ("text_to_image", "text_to_json",
    # "text_to_speech", "embedding"); the action module's ``TASK`` says how (limbs.providers.tasks).
    task: str | None = None
    # Whether the intent text is needed (False for e.g. image_to_3d).
    needs_intent: bool = True
    # Seconds a ``wait=true`` request waits before answering with the job still running.
    deadline_s: float = 30.0
    examples: tuple[str, ...] = ()
    # Words that say this action of its limb is meant (the limb's own keywords pick the limb).
    keywords: tuple[str, ...] = ()
    # False for results that describe a moment (e.g. live breaker states): never remembered.
    cacheable: bool = True
    check: Check | None = field(default=None, compare=False, repr=False)
    refine: Refine | None = field(default=None, compare=False, repr=False)
    # Named snapshots of the studio's records (``reads.py`` of the limb builds them).
    reads: tuple[str, ...] = ()
    # Only staff may run it (checked where kill switches are).
    staff_only: bool = False
    # Whether effort (``tension``: quick, balanced, best) changes what it makes; the
    # workspace does not ask about effort for an action where it would change nothing.
    uses_tension: bool = True

    @property
    def built(self) -> bool:
        return self.make is not None

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
            "reads": list(self.reads),
            "staff_only": self.staff_only,
            "uses_tension": self.uses_tension,
        }


@dataclass(frozen=True)
class LimbSpec:
    id: str
    name: str
    category: Category
    icon: str
    explanation: str
    # Filled by the registry from the package's ACTIONS, in that order.
    actions: tuple[ActionSpec, ...] = ()
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    colour: str = "#6c5ce7"
    # A page of its own the limb's workspace opens instead of the generic one (e.g. the museum).
    home: str = ""

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


@dataclass(frozen=True)
class Registry:
    """Every limb, in HUD order; also the ``Studio`` composite actions call through."""

    limbs: tuple[LimbSpec, ...] = field(default_factory=tuple)

    def get(self, limb_id: str) -> LimbSpec | None:
        for limb in self.limbs:
            if limb.id == limb_id:
                return limb
        return None

    def action(self, limb_id: str, action_id: str) -> ActionSpec | None:
        limb = self.get(limb_id)
        return limb.action(action_id) if limb is not None else None

    def call(self, limb_id: str, action_id: str, request: GenRequest) -> GenResult:
        action = self.action(limb_id, action_id)
        if action is None or action.make is None:
            raise GeneratorInputError("target", f"{limb_id}.{action_id} has no procedural maker yet.")
        return action.make(replace(request, studio=self))

    def by_category(self) -> list[tuple[Category, str, str, list[LimbSpec]]]:
        return [
            (cat, title, blurb, [limb for limb in self.limbs if limb.category == cat])
            for cat, title, blurb in CATEGORIES
        ]
