"""The job body claims its row once, and unfinished work is picked up again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from limbs import runs
from limbs.models import Generation
from provenance.models import LedgerEntry


def _generation(owner: User, **extra: object) -> Generation:
    return Generation.objects.create(
        owner=owner,
        limb="image",
        action="sprite",
        intent="a frog",
        params={"size": 16, "kind": "auto", "outline": True},
        seed=9,
        **extra,
    )


@pytest.mark.django_db(transaction=True)
def test_running_a_generation_twice_runs_it_once(alice: User) -> None:
    generation = _generation(alice)
    runs.run_generation(str(generation.pk))
    runs.run_generation(str(generation.pk))
    generation.refresh_from_db()
    assert generation.status == "succeeded"
    assert generation.claims == 1
    assert LedgerEntry.objects.count() == 1
    assert generation.outputs.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_fresh_claim_held_by_another_worker_is_left_alone(alice: User) -> None:
    generation = _generation(alice, status="running", claimed_by="elsewhere:1:x", claimed_at=timezone.now())
    runs.run_generation(str(generation.pk))
    generation.refresh_from_db()
    assert generation.status == "running"


@pytest.mark.django_db(transaction=True)
def test_a_stale_claim_is_taken_over_and_finishes(alice: User) -> None:
    old = timezone.now() - timedelta(hours=2)
    generation = _generation(alice, status="running", claimed_by="elsewhere:1:x", claimed_at=old)
    runs.run_generation(str(generation.pk))
    generation.refresh_from_db()
    assert generation.status == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_resubmit_unfinished_picks_up_queued_work_and_orphans_of_a_dead_process(alice: User) -> None:
    import socket

    from limbs.tasks import run_generation_task
    from pog_site import jobs

    queued = _generation(alice)
    orphan = _generation(
        alice, status="running", claimed_by=f"{socket.gethostname()}:999999:dead", claimed_at=timezone.now()
    )
    done = _generation(alice, status="succeeded")
    if settings.POG_JOB_BACKEND == "thread":
        assert runs.resubmit_unfinished() == 2
    else:
        for generation in (queued, orphan):
            run_generation_task.run(str(generation.pk), True)
    jobs.shutdown(wait=True)
    for generation in (queued, orphan):
        generation.refresh_from_db()
        assert generation.status == "succeeded", generation.error
    done.refresh_from_db()
    assert done.claims == 0


@pytest.mark.django_db(transaction=True)
def test_a_generator_input_problem_fails_the_generation_with_a_clear_error(alice: User) -> None:
    from limbs.models import Asset
    from limbs.storage import store_blob

    blob, digest = store_blob(b"this is not an image at all")
    bogus = Asset.objects.create(
        owner=alice, name="x.png", mime="image/png", kind="image", sha256=digest, size=27, blob=blob
    )
    generation = Generation.objects.create(
        owner=alice,
        limb="mesh",
        action="image_to_3d",
        params={"image": str(bogus.pk), "mode": "auto", "depth": 0.25},
        seed=1,
    )
    runs.run_generation(str(generation.pk))
    generation.refresh_from_db()
    assert generation.status == "failed"
    assert generation.error.startswith("image:")
    assert not generation.outputs.exists()


class _Probe:
    """Stands in for a Celery task: ``run`` is its body."""

    name = "probe"

    @staticmethod
    def run() -> str:
        import threading

        return threading.current_thread().name


def test_a_waiting_caller_runs_the_job_itself_only_while_a_worker_slot_is_free(settings: object) -> None:
    from pog_site import jobs

    jobs.shutdown(wait=True)
    settings.POG_JOB_BACKEND = "thread"  # type: ignore[attr-defined]
    settings.POG_WORKERS = 1  # type: ignore[attr-defined]
    with jobs.slot_if_free() as here:
        assert here
        with jobs.slot_if_free() as again:
            assert not again  # the only slot is taken
        pooled = jobs.submit(_Probe)
        assert pooled is not None
        with pytest.raises(TimeoutError):
            pooled.result(timeout=0.2)  # the pool waits for a slot too
    assert pooled.result(timeout=10).startswith("pog-job")
    with jobs.slot_if_free() as free_again:
        assert free_again
    jobs.shutdown(wait=True)


def test_scale_mode_never_runs_a_job_in_the_web_process(settings: object) -> None:
    from pog_site import jobs

    settings.POG_JOB_BACKEND = "celery"  # type: ignore[attr-defined]
    with jobs.slot_if_free() as here:
        assert not here
