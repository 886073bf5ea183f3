"""The contract every procedural generator follows (pure Python, no Django)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Tension = Literal["low", "medium", "high"]
ProgressFn = Callable[[float, str], None]


def _no_progress(fraction: float, message: str) -> None:
    return None


@dataclass(frozen=True)
class GenRequest:
    """Everything a generator may look at. Same request -> same bytes."""

    intent: str
    params: Mapping[str, Any]
    seed: int
    tension: Tension = "medium"
    # Asset parameters resolved to their bytes, keyed by parameter name.
    inputs: Mapping[str, bytes] = field(default_factory=dict)
    # Called with (0..1, a short sentence a child understands).
    progress: ProgressFn = _no_progress


@dataclass(frozen=True)
class Output:
    data: bytes
    mime: str
    name: str
    role: str = "main"
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GenResult:
    outputs: list[Output]
    meta: Mapping[str, Any] = field(default_factory=dict)


class GeneratorInputError(ValueError):
    """The inputs cannot be used (e.g. an attachment that is not an image).

    ``field`` names the parameter at fault so the API can answer 422.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


Generator = Callable[[GenRequest], GenResult]
