"""What every tier of the fallback chain looks like to the router."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Protocol

from limbs.spec import Effect, GenRequest, Output


@dataclass(frozen=True)
class ProviderResult:
    outputs: list[Output]
    model: str
    # Changes to the studio the action asked for (only an action's own make asks for any).
    effects: tuple[Effect, ...] = ()


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


class AsyncProvider(Provider, Protocol):
    """A remote tier that can also be awaited (same answers as ``run``, on the event loop)."""

    async def arun(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> ProviderResult: ...


class TextStreamProvider(Protocol):
    """A remote tier that streams the text of a text action as the model writes it.

    ``stream_text`` yields the raw tokens (what a person may watch arrive); ``finish_text``
    turns the whole text into the action's outputs exactly as ``run`` would, raising
    ``ProviderError("invalid_payload")`` when it is not the asked-for format.
    """

    name: str

    def streams(self, limb: str, action: str) -> bool: ...

    def stream_text(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> Iterator[str]: ...

    def astream_text(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> AsyncIterator[str]: ...

    def finish_text(
        self, limb: str, action: str, request: GenRequest, text: str, model: str | None = None
    ) -> ProviderResult: ...
