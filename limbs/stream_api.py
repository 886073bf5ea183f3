"""``POST /api/stream/{limb}``: a text action's answer while the model writes it.

The answer comes as server-sent events (``text/event-stream``), in this order:

* ``attempt`` (any number, any time): one tier's outcome, as recorded on the generation;
* ``token``: a piece of the answer, ``{"text", "provider", "model"}``;
* ``switched``: the tier that sent the tokens so far failed half-way (``{"provider",
  "model", "reason"}``): throw away what you have, the answer starts again on the next
  tier. A stream never ends in a silently truncated answer;
* ``done``: the finished generation, exactly as ``GET /api/generations/{id}`` shows it
  (its outputs checked and stored, its provenance signed);
* or ``failed``: the finished generation when not even the procedural tier could answer.

Everything before the stream starts is checked as for ``POST /api/handle``: a bad request
gets its 4xx JSON error and stores nothing. A streamed request always asks the chain
(``cache: miss``): the point is to watch it being written.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Router

from accounts.models import User
from limbs.api import AskIn, LimbId
from limbs.formats import OutputInvalid, validate_outputs
from limbs.models import Generation
from limbs.providers.base import ProviderResult
from limbs.providers.procedural import ProceduralProvider
from limbs.request import GenerateInput, do_generate, resolve_limb_action
from limbs.router import Attempt, RouteError, RouteResult, check_for
from limbs.runs import fail_claimed, finish_claimed, prepare_claimed
from limbs.streaming import aroute_stream, provider_tiers, streams
from pog_site.errors import SIGNED_IN, WITH_BODY, RequestError, errors

log = logging.getLogger(__name__)

router = Router(tags=["limbs"])


@router.post(
    "/stream/{limb_id}",
    summary="Ask a text action and watch the answer being written (server-sent events)",
    response={200: None, **errors(SIGNED_IN, WITH_BODY, 404, 409, 429, 501)},
)
def stream(request: HttpRequest, limb_id: LimbId, payload: AskIn) -> StreamingHttpResponse:
    return start_stream(request.auth, payload.to_input(limb_id))  # type: ignore[attr-defined]


def start_stream(owner: User, data: GenerateInput) -> StreamingHttpResponse:
    """Check and store the request (``RequestError`` and nothing stored when it is bad),
    then answer with its event stream. The workspace page streams through here too."""
    _, spec = resolve_limb_action(data.limb, data.action)
    if not streams(data.limb, spec.id):
        raise RequestError(
            422,
            "not_streamed",
            f"{data.limb}.{spec.id} is answered whole, not streamed: "
            f"ask POST /api/handle/{data.limb} instead.",
            "action",
        )
    generation = do_generate(owner, data, queue=False, claim=True)
    response = StreamingHttpResponse(_events(generation), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a proxy in front must pass events on at once
    response["Location"] = generation.get_absolute_url()
    response["X-POG-Generation"] = str(generation.pk)
    return response


def _no_progress(fraction: float, message: str) -> None:
    return None


def _event(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data, default=str)}\n\n".encode()


async def _events(generation: Generation) -> AsyncIterator[bytes]:
    limb, action = generation.limb, generation.action
    attempts: list[Attempt] = []
    try:
        prepared, inputs, prefs = await sync_to_async(prepare_claimed)(generation)
        # The tokens are this request's progress; the fallback runs on the event loop,
        # where the job's progress rows (database writes) may not be written.
        request = dataclasses.replace(prepared, progress=_no_progress)
        spec = generation.action_spec
        assert spec is not None  # prepare_claimed refuses an action that no longer exists
        deadline_s = spec.deadline_s

        def fallback() -> tuple[str, ProviderResult]:
            result = ProceduralProvider().run(limb, action, request, deadline_s)
            try:
                validate_outputs(result.outputs, check_for(limb, action))
            except OutputInvalid as exc:
                raise ValueError(str(exc)) from exc
            # Stream what the remote tiers stream (the data), so ``done`` text = the tokens.
            data = next((o for o in result.outputs if o.role == "data"), result.outputs[0])
            return data.data.decode("utf-8", "replace"), result

        tiers = provider_tiers(limb, action, request, prefs.threshold)
        done = None
        async for event in aroute_stream(
            limb, action, "", deadline_s=deadline_s, prefer=prefs.prefer, fallback=fallback, tiers=tiers
        ):
            if event.kind == "attempt" and event.attempt is not None:
                attempts.append(event.attempt)
                yield _event("attempt", event.attempt.as_json())
            elif event.kind == "token":
                yield _event("token", {"text": event.text, "provider": event.provider, "model": event.model})
            elif event.kind == "switched":
                yield _event(
                    "switched", {"provider": event.provider, "model": event.model, "reason": event.reason}
                )
            elif event.kind == "done":
                done = event
        if done is None or done.result is None:
            raise RouteError(f"No tier could stream {limb}.{action}.", attempts)
        result = RouteResult(done.result.outputs, done.provider, done.model, "miss", attempts)
        payload = await sync_to_async(finish_claimed)(generation, result, inputs)
        yield _event("done", payload if payload is not None else {"generation": str(generation.pk)})
    except RouteError as exc:
        payload = await sync_to_async(fail_claimed)(generation, str(exc), exc.attempts or attempts)
        yield _event("failed", payload if payload is not None else {"generation": str(generation.pk)})
    except Exception as exc:
        log.exception("stream of generation %s crashed", generation.pk)
        message = f"The studio tripped over its own feet ({type(exc).__name__}). Please try again."
        payload = await sync_to_async(fail_claimed)(generation, message, attempts)
        yield _event("failed", payload if payload is not None else {"generation": str(generation.pk)})
