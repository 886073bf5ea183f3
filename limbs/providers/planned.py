"""What the remote providers that plan their calls share (Cloudflare Workers AI, Gemini).

Each call is worked out as a ``Plan`` before any I/O: the model, the request body and how
the answer becomes outputs. ``run`` and ``arun``, and the streamed text of the one
streaming action, then only differ in how they send, so none of them can drift from
the others, and the two providers differ only in their plans and their client's verbs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from limbs.providers import prompts
from limbs.providers.base import ProviderResult
from limbs.spec import GenRequest

# The one text action that streams: the world bible.
STREAMED_ACTION = ("divine", "world_bible")


@dataclass(frozen=True)
class Plan:
    """One call worked out before any I/O."""

    model: str
    body: dict[str, Any]
    finish: Callable[[Mapping[str, Any]], ProviderResult]


class StreamingClient(Protocol):
    def stream(self, model: str, body: Mapping[str, Any], timeout: float, /) -> Iterator[str]: ...

    def astream(self, model: str, body: Mapping[str, Any], timeout: float, /) -> AsyncIterator[str]: ...


ClientT = TypeVar("ClientT", bound=StreamingClient)


class PlannedProvider(Generic[ClientT]):
    """The chain's view of a planned provider; subclasses give the plans and the client."""

    name: str
    default_models: Mapping[tuple[str, str], str]

    def __init__(self, client: ClientT | None = None) -> None:
        self._client = client

    # -- what a subclass gives ------------------------------------------------------

    def _client_from_settings(self) -> ClientT:
        raise NotImplementedError

    def configured(self) -> bool:
        raise NotImplementedError

    def _send(self, client: ClientT, plan: Plan, deadline_s: float) -> Mapping[str, Any]:
        raise NotImplementedError

    async def _asend(self, client: ClientT, plan: Plan, deadline_s: float) -> Mapping[str, Any]:
        raise NotImplementedError

    def _plan(self, limb: str, action: str, request: GenRequest, model: str | None) -> Plan:
        raise NotImplementedError

    def _text_plan(self, limb: str, action: str, request: GenRequest, model: str | None) -> Plan:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------

    def client(self) -> ClientT:
        return self._client or self._client_from_settings()

    def supports(self, limb: str, action: str) -> bool:
        return (limb, action) in self.default_models

    def default_model(self, limb: str, action: str) -> str | None:
        return self.default_models.get((limb, action))

    def run(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> ProviderResult:
        plan = self._plan(limb, action, request, model)
        return plan.finish(self._send(self.client(), plan, deadline_s))

    async def arun(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> ProviderResult:
        plan = self._plan(limb, action, request, model)
        return plan.finish(await self._asend(self.client(), plan, deadline_s))

    def streams(self, limb: str, action: str) -> bool:
        return (limb, action) == STREAMED_ACTION

    def stream_text(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> Iterator[str]:
        plan = self._text_plan(limb, action, request, model)
        return self.client().stream(plan.model, plan.body, deadline_s)

    def astream_text(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> AsyncIterator[str]:
        plan = self._text_plan(limb, action, request, model)
        return self.client().astream(plan.model, plan.body, deadline_s)

    def finish_text(
        self, limb: str, action: str, request: GenRequest, text: str, model: str | None = None
    ) -> ProviderResult:
        plan = self._text_plan(limb, action, request, model)
        return prompts.world_bible_result(self.name, plan.model, request, text)
