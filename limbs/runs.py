"""The job body: claim a stored generation, build its request (input bytes, snapshots of the
studio it reads), route it, and hand the result to the one writer.

Runs in the in-process pool or a Celery worker (``limbs.tasks``); safe to run twice. In
embedded mode, when no remote tier could take part (none is configured: the procedural tier
answers everything, as on a fresh machine), the whole body runs in a generator process
(``pog_site.procs`` with ``POG_PROCS_JOBS``), under this server's worker id: the server
process then only answers requests, and every core works. What lives in the server's memory
(its channel layer for progress, the admission slot the job frees) is handed back to the
waiting thread there (``procs.to_caller``). Remote tiers keep the thread path: their breakers
and probes live in the server process.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import close_old_connections, connection
from django.db.models import F, Q
from django.utils import timezone

from accounts.metabolism import Preferences
from limbs import record
from limbs.access import visible
from limbs.admission import release
from limbs.effects import EffectError
from limbs.events import publish_update, row_of
from limbs.models import Asset, Generation
from limbs.record import record_failure, record_success
from limbs.request import RUN_GENERATION, TENSIONS
from limbs.router import PROCEDURAL, Attempt, RouteError, RouteResult, cache_key, providers, route
from limbs.spec import GeneratorInputError, GenRequest, Tension
from limbs.storage import read_blob
from limbs.studio import digests, take_snapshots
from pog_site import jobs, procs

log = logging.getLogger(__name__)

# The cache key's place for the studio snapshots an action read (never a param name).
READS_KEY = "__reads__"


def _claim(generation_id: str, takeover: bool) -> bool:
    now = timezone.now()
    stale = now - timedelta(seconds=settings.POG_JOB_STALE_S)
    claimable = Q(status=Generation.Status.QUEUED) | Q(status=Generation.Status.RUNNING, claimed_at__lt=stale)
    if takeover:
        claimable |= Q(status=Generation.Status.RUNNING)
    count = (
        Generation.objects.filter(pk=generation_id)
        .filter(claimable)
        .update(
            status=Generation.Status.RUNNING,
            claimed_by=record.WORKER_ID,
            claimed_at=now,
            started_at=now,
            claims=F("claims") + 1,
            message="Getting started",
        )
    )
    return count == 1


class _Progress:
    """Publishes progress at most every 80 ms, and writes it to the row at most every half
    second, the first time half a second into the job: a short job (most are) adds no write
    to the database, whose one writer lock every job and request shares."""

    PUBLISH_S = 0.08
    WRITE_S = 0.5

    def __init__(self, generation: Generation) -> None:
        self.generation = generation
        self.last = 0.0
        self.started = time.monotonic()
        self.written = self.started

    def __call__(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self.last < self.PUBLISH_S and fraction < 1.0:
            return
        self.last = now
        fraction = max(0.0, min(0.95, float(fraction)))
        if now - self.written >= self.WRITE_S:
            self.written = now
            updated = Generation.objects.filter(pk=self.generation.pk, claimed_by=record.WORKER_ID).update(
                progress=fraction, message=message[:200]
            )
            if not updated:
                return  # the claim was lost: this job's progress is no one's news
        row = {
            "status": Generation.Status.RUNNING,
            "progress": fraction,
            "message": message[:200],
            "owner_id": self.generation.owner_id,
            "team_id": self.generation.team_id,
        }
        publish_update(self.generation.pk, self.generation.owner_id, row)


def _key_params(generation: Generation, inputs: dict[str, Asset], reads: dict[str, str]) -> dict[str, Any]:
    """Params for the cache key: asset inputs by content, not by id, so equal inputs match,
    and the studio snapshots the action read by their sha256 (a changed studio misses)."""
    params = dict(generation.params)
    for name, asset in inputs.items():
        params[name] = {"sha256": asset.sha256}
    if reads:
        params[READS_KEY] = reads
    return params


LOST = "The studio's worker stopped while making this (it may have been too big to make). Please try again."

# Whether a remote tier is configured, remembered this long (asking may probe a port).
_REMOTE_MEMO_S = 2.0
_remote_memo: tuple[float, bool] = (float("-inf"), False)


def _remote_tier_configured() -> bool:
    global _remote_memo
    now = time.monotonic()
    at, configured = _remote_memo
    if now - at > _REMOTE_MEMO_S:
        configured = any(p.configured() for p in providers() if p is not PROCEDURAL)
        _remote_memo = (now, configured)
    return configured


def in_a_generator_process() -> bool:
    """Whether job bodies go to the generator processes now (see the module's notes). Never
    from inside a transaction: its rows are not written yet for another process to read."""
    if not procs.jobs_here() or connection.in_atomic_block or _remote_tier_configured():
        return False
    # A database in this process's memory is seen by no other process.
    in_memory = getattr(connection, "is_in_memory_db", None)
    return not (connection.vendor == "sqlite" and callable(in_memory) and in_memory())


def run_generation(generation_id: str, takeover: bool = False) -> dict[str, Any] | None:
    """The job body. Claims the row, routes, stores outputs and provenance, publishes.

    Safe to call twice: only one claim succeeds, and a finished row is left alone.
    Returns the finished generation as the API shows it (built from what was just
    written, so a waiting caller needs no query), or None when the claim was lost.
    """
    if in_a_generator_process():
        return _sent(generation_id, takeover, claimed=False)
    return _run_generation(generation_id, takeover)


def _run_generation(generation_id: str, takeover: bool) -> dict[str, Any] | None:
    if not _claim(generation_id, takeover):
        return None
    return _run_claimed(_claimed(generation_id))


def _claimed(generation_id: str) -> Generation:
    owner = ("owner", "owner__tier", "owner__metabolism")
    return Generation.objects.select_related(*owner).get(pk=generation_id)


def run_claimed(generation: Generation) -> dict[str, Any] | None:
    """The job body after the claim: ``generation`` is claimed by this worker, and its owner
    was read during this job or request (tier and metabolism current, or not yet read)."""
    if in_a_generator_process():
        return _sent(str(generation.pk), False, claimed=True)
    return _run_claimed(generation)


def _sent(generation_id: str, takeover: bool, claimed: bool) -> dict[str, Any] | None:
    try:
        result: dict[str, Any] | None = procs.call(_there, generation_id, takeover, claimed, record.WORKER_ID)
    except BrokenProcessPool:
        log.warning("the generator process running generation %s died", generation_id)
        return _lost(generation_id)
    return result


def _lost(generation_id: str) -> dict[str, Any] | None:
    """A generator process died with the job: fail the row if it is still this server's to
    finish (waiting, or claimed under its worker id and not stored), so nobody waits for it
    and its running slot is freed. Not run again here: what kills a process would likely
    kill this one too."""
    status = Generation.Status
    ours = Q(status=status.QUEUED) | Q(status=status.RUNNING, claimed_by=record.WORKER_ID)
    now = timezone.now()
    taken = (
        Generation.objects.filter(pk=generation_id)
        .filter(ours)
        .update(status=status.RUNNING, claimed_by=record.WORKER_ID, claimed_at=now)
    )
    if not taken:
        return None  # stored already, or someone else's now
    generation = _claimed(generation_id)
    payload = record_failure(generation, LOST, [])
    _settled(generation, payload)
    return payload


def _there(
    generation_id: str, takeover: bool, claimed: bool, worker_id: str, progress: procs.Progress
) -> dict[str, Any] | None:
    """A job body in a generator process, working under the server's worker id (the claim is
    the server's: a restarted server takes over what its children left)."""
    record.WORKER_ID = worker_id
    close_old_connections()
    try:
        if claimed:
            return _run_claimed(_claimed(generation_id))
        return _run_generation(generation_id, takeover)
    finally:
        close_old_connections()


def _run_claimed(generation: Generation) -> dict[str, Any] | None:
    publish_update(generation.pk, generation.owner_id, row_of(generation))
    action = generation.action_spec
    try:
        request, inputs, prefs = prepare_claimed(generation)
        reads = digests(request.snapshots)
        assert action is not None  # prepare_claimed refuses an action that no longer exists
        key = cache_key(
            limb=generation.limb,
            action=generation.action,
            intent=generation.intent,
            params=_key_params(generation, inputs, reads),
            seed=generation.seed,
            tension=generation.tension,
            preference=prefs.prefer,
            owner=generation.owner_id if prefs.private_cache else None,
        )
        result = route(
            generation.limb,
            generation.action,
            request,
            key=key if action.cacheable and prefs.read_cache else None,
            deadline_s=action.deadline_s,
            prefer=prefs.prefer,
            threshold=prefs.threshold,
            recheck_cache=prefs.recheck_cache,
        )
        payload = record_success(
            generation, result, inputs, key if action.cacheable and prefs.write_cache else None, reads
        )
    except (RouteError, GeneratorInputError, ObjectDoesNotExist, EffectError) as exc:
        attempts = [a.as_json() for a in getattr(exc, "attempts", [])]
        payload = record_failure(generation, friendly_error(exc), attempts)
    except Exception as exc:
        log.exception("generation %s crashed", generation.pk)
        payload = record_failure(
            generation, f"The studio tripped over its own feet ({type(exc).__name__}). Please try again.", []
        )
    _settled(generation, payload)
    return payload


def prepare_claimed(generation: Generation) -> tuple[GenRequest, dict[str, Asset], Preferences]:
    """What a claimed generation's tiers are asked with: the request (its input assets'
    bytes read), those assets, and the owner's preferences. Raises ``RouteError`` when the
    action no longer exists, ``ObjectDoesNotExist`` when an input or a record it reads is gone."""
    action = generation.action_spec
    if action is None:
        raise RouteError(f"{generation.limb}.{generation.action} no longer exists.", [])
    inputs = {
        spec.name: visible(Asset.objects.filter(pk=generation.params[spec.name]), generation.owner).get()
        for spec in action.params
        if spec.type == "asset" and spec.name in generation.params
    }
    for spec in action.params:
        if spec.type == "assets" and spec.name in generation.params:
            for i, asset_id in enumerate(generation.params[spec.name]):
                visible_assets = visible(Asset.objects.filter(pk=asset_id), generation.owner)
                inputs[f"{spec.name}[{i}]"] = visible_assets.get()
    sent = {
        spec.name: read_blob(generation.params[spec.name]["blob"])
        for spec in action.params
        if spec.type == "file" and isinstance(generation.params.get(spec.name), dict)
    }
    tension: Tension = generation.tension if generation.tension in TENSIONS else "medium"  # type: ignore[assignment]
    request = GenRequest(
        intent=generation.intent,
        params=dict(generation.params),
        seed=generation.seed,
        tension=tension,
        inputs={name: read_blob(asset.blob) for name, asset in inputs.items()} | sent,
        snapshots=take_snapshots(generation.limb, action, generation.owner, generation.params),
        progress=_Progress(generation),
    )
    return request, inputs, Preferences.for_owner(generation.owner, generation.limb, preloaded=True)


def finish_claimed(
    generation: Generation, result: RouteResult, inputs: dict[str, Asset]
) -> dict[str, Any] | None:
    """Store a claimed generation's outputs reached outside ``run_claimed`` (a stream)."""
    payload = record_success(generation, result, inputs, None)
    _settled(generation, payload)
    return payload


def fail_claimed(generation: Generation, error: str, attempts: list[Attempt]) -> dict[str, Any] | None:
    """Fail a claimed generation outside ``run_claimed`` (a stream no tier could answer)."""
    payload = record_failure(generation, error, [a.as_json() for a in attempts])
    _settled(generation, payload)
    return payload


def _settled(generation: Generation, payload: dict[str, Any] | None) -> None:
    if payload is not None:
        # The admission slots live in the server (its memory in embedded mode).
        procs.to_caller(release, generation.lease, generation.owner_id)
        publish_update(generation.pk, generation.owner_id, row_of(generation))


def friendly_error(exc: Exception) -> str:
    if isinstance(exc, GeneratorInputError):
        return f"{exc.field}: {exc.message}"
    if isinstance(exc, Asset.DoesNotExist):
        return "An input asset is gone, so this cannot be made."
    if isinstance(exc, ObjectDoesNotExist):
        return "Something this reads is gone from the studio, so this cannot be made."
    return str(exc)


def resubmit_unfinished() -> int:
    """Queue again every generation a crash or restart left behind (embedded mode)."""
    count = 0
    pending = (
        Generation.objects.filter(status__in=[Generation.Status.QUEUED, Generation.Status.RUNNING])
        .order_by("created_at")
        .values_list("pk", "status", "claimed_by", "owner_id")
    )
    for pk, status, claimed_by, owner_id in pending:
        takeover = status == Generation.Status.RUNNING and not _holder_alive(claimed_by)
        if status == Generation.Status.RUNNING and not takeover:
            continue
        jobs.submit(RUN_GENERATION, str(pk), takeover, owner=jobs.owner_key(owner_id), job_id=str(pk))
        count += 1
    return count


def _holder_alive(claimed_by: str) -> bool:
    """Whether the worker that claimed a row still runs (only knowable on this host)."""
    host, _, rest = claimed_by.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True
    if claimed_by == record.WORKER_ID:
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # The pid exists, but it may be a new process reusing it; only our own id is certain.
    return int(pid_text) != os.getpid()
