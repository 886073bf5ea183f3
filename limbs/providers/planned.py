"""What the remote providers (Cloudflare Workers AI, Gemini, Ollama) share: serving shapes.

A provider serves some task shapes (``limbs.providers.tasks``), each as a ``Wire``: its
default model, and how the shape's ask goes on the wire (a ``Call``) and its raw answer
comes back as the shape's answer. Everything else is here, and blind to actions: an action
is served when its spec names the provider among its tiers and declares a shape the
provider serves; its ``TASK`` makes the ask and turns the answer into outputs.

Each call is worked out as a ``Plan`` before any I/O. ``run`` and ``arun``, and the
streamed text of a streamable shape, then only differ in how they send, so none of them can
drift from the others, and the providers differ only in their wires and their client's verbs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Generic, TypeVar

from limbs.formats import OutputInvalid
from limbs.providers.base import ProviderResult
from limbs.providers.errors import ProviderError
from limbs.providers.tasks import AnswerT, AskT, Shape, Task
from limbs.registry import PARTS, REGISTRY, RegistryError
from limbs.spec import GenRequest

ClientT = TypeVar("ClientT")


@dataclass(frozen=True)
class Call(Generic[AnswerT]):
    """One shape's ask as a provider puts it on the wire, and how its raw answer is read."""

    body: dict[str, Any]
    # The provider's raw answer (what its ``_send`` returns) -> the shape's answer.
    read: Callable[[Any], AnswerT]
    # Which of the provider's endpoints takes it; "" is its usual one.
    endpoint: str = ""


@dataclass(frozen=True)
class Wire(Generic[AskT, AnswerT]):
    """A shape as one provider serves it: the default model, and the call for an ask."""

    shape: Shape[AskT, AnswerT]
    model: str
    call: Callable[[AskT, str], Call[AnswerT]]


@dataclass(frozen=True)
class Plan:
    """One call worked out before any I/O."""

    model: str
    call: Call[Any]
    # The shape's answer -> the action's outputs.
    finish: Callable[[Any], ProviderResult]


def task_of(limb: str, action: str) -> Task[Any, Any] | None:
    """The action's ``TASK``, when its spec declares a shape (``None`` otherwise)."""
    spec = REGISTRY.action(limb, action)
    if spec is None or spec.task is None:
        return None
    # The registry loaded the action from this module (it is named for the action).
    module = import_module(f"{PARTS}.{limb}.{spec.id}")
    task = getattr(module, "TASK", None)
    if not isinstance(task, Task) or task.shape.name != spec.task:
        raise RegistryError(f"{module.__name__} must define TASK = Task(<the {spec.task} shape>, ...)")
    return task


class PlannedProvider(Generic[ClientT]):
    """The chain's view of a remote provider; subclasses give the wires and the client's verbs."""

    name: str
    wires: tuple[Wire[Any, Any], ...]

    def __init__(self, client: ClientT | None = None) -> None:
        self._client = client

    # -- what a subclass gives ------------------------------------------------------

    def _client_from_settings(self) -> ClientT:
        raise NotImplementedError

    def configured(self) -> bool:
        raise NotImplementedError

    def _send(self, client: ClientT, model: str, call: Call[Any], deadline_s: float) -> Any:
        raise NotImplementedError

    async def _asend(self, client: ClientT, model: str, call: Call[Any], deadline_s: float) -> Any:
        raise NotImplementedError

    def _stream(self, client: ClientT, model: str, call: Call[Any], deadline_s: float) -> Iterator[str]:
        raise NotImplementedError

    def _astream(self, client: ClientT, model: str, call: Call[Any], deadline_s: float) -> AsyncIterator[str]:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------

    def client(self) -> ClientT:
        return self._client or self._client_from_settings()

    def _wire(self, shape: Shape[AskT, AnswerT]) -> Wire[AskT, AnswerT] | None:
        return next((w for w in self.wires if w.shape == shape), None)

    def _task(self, limb: str, action: str) -> Task[Any, Any] | None:
        """The action's task, when the action has this provider in front of it and the
        provider serves the task's shape."""
        spec = REGISTRY.action(limb, action)
        if spec is None or self.name not in spec.ai_tiers:
            return None
        task = task_of(limb, action)
        return task if task is not None and self._wire(task.shape) is not None else None

    def supports(self, limb: str, action: str) -> bool:
        return self._task(limb, action) is not None

    def default_model(self, limb: str, action: str) -> str | None:
        task = self._task(limb, action)
        wire = self._wire(task.shape) if task is not None else None
        return wire.model if wire is not None else None

    def streams(self, limb: str, action: str) -> bool:
        task = self._task(limb, action)
        return task is not None and task.shape.streamed

    def run(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> ProviderResult:
        plan = self._plan(limb, action, request, model)
        return plan.finish(plan.call.read(self._send(self.client(), plan.model, plan.call, deadline_s)))

    async def arun(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> ProviderResult:
        plan = self._plan(limb, action, request, model)
        raw = await self._asend(self.client(), plan.model, plan.call, deadline_s)
        return plan.finish(plan.call.read(raw))

    def stream_text(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> Iterator[str]:
        plan = self._plan(limb, action, request, model, streamed=True)
        return self._stream(self.client(), plan.model, plan.call, deadline_s)

    def astream_text(
        self, limb: str, action: str, request: GenRequest, deadline_s: float, model: str | None = None
    ) -> AsyncIterator[str]:
        plan = self._plan(limb, action, request, model, streamed=True)
        return self._astream(self.client(), plan.model, plan.call, deadline_s)

    def finish_text(
        self, limb: str, action: str, request: GenRequest, text: str, model: str | None = None
    ) -> ProviderResult:
        # A streamed shape's answer is its text: the tokens, joined.
        return self._plan(limb, action, request, model, streamed=True).finish(text)

    def run_shape(
        self, shape: Shape[AskT, AnswerT], ask: AskT, deadline_s: float, model: str | None = None
    ) -> AnswerT:
        """The shape's answer to ``ask``, with no action around it (what ``run`` sends and reads)."""
        chosen, call = self._call(shape, ask, model)
        return call.read(self._send(self.client(), chosen, call, deadline_s))

    async def arun_shape(
        self, shape: Shape[AskT, AnswerT], ask: AskT, deadline_s: float, model: str | None = None
    ) -> AnswerT:
        chosen, call = self._call(shape, ask, model)
        return call.read(await self._asend(self.client(), chosen, call, deadline_s))

    def _call(self, shape: Shape[AskT, AnswerT], ask: AskT, model: str | None) -> tuple[str, Call[AnswerT]]:
        wire = self._wire(shape)
        if wire is None:
            raise ProviderError(self.name, model or "", "bad_request", f"{shape.name} is not offered")
        chosen = model or wire.model
        return chosen, wire.call(ask, chosen)

    def _plan(
        self, limb: str, action: str, request: GenRequest, model: str | None, *, streamed: bool = False
    ) -> Plan:
        task = self._task(limb, action)
        if task is None or (streamed and not task.shape.streamed):
            how = "streamed" if task is not None else "offered"
            raise ProviderError(self.name, model or "", "bad_request", f"{limb}.{action} is not {how}")
        chosen, call = self._call(task.shape, task.ask(request), model)

        def finish(answer: Any) -> ProviderResult:
            try:
                outputs = task.answer(request, answer, self.name)
            except OutputInvalid as exc:
                raise ProviderError(self.name, chosen, "invalid_payload", str(exc)[:300]) from exc
            return ProviderResult(outputs=outputs, model=chosen)

        return Plan(chosen, call, finish)
