"""The job runner names no app: it runs what it is handed at start, and finds tasks by name."""

from __future__ import annotations

import pytest

from pog_site import jobs


class _Resubmit:
    """Stands in for limbs.actions.resubmit_unfinished, which pog_site.asgi hands over."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return 2


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "_started", False)  # the test conftest marks the process started


def test_the_server_start_resubmits_once_through_the_callable_it_is_handed(
    fresh_process: None, settings: object
) -> None:
    settings.POG_JOB_BACKEND = "thread"  # type: ignore[attr-defined]
    resubmit = _Resubmit()
    jobs.ensure_started(resubmit)
    jobs.ensure_started(resubmit)
    assert resubmit.calls == 1


def test_scale_mode_leaves_unfinished_work_to_the_broker(fresh_process: None, settings: object) -> None:
    settings.POG_JOB_BACKEND = "celery"  # type: ignore[attr-defined]
    resubmit = _Resubmit()
    jobs.ensure_started(resubmit)
    assert resubmit.calls == 0


def test_a_failing_resubmission_does_not_stop_the_server(fresh_process: None, settings: object) -> None:
    settings.POG_JOB_BACKEND = "thread"  # type: ignore[attr-defined]

    def broken() -> int:
        raise RuntimeError("the database is away")

    jobs.ensure_started(broken)  # logged, not raised


def test_a_task_is_found_by_its_registered_name() -> None:
    from limbs.request import RUN_GENERATION
    from limbs.tasks import run_generation_task
    from pog_site.celery import app

    # limbs.apps imports the task, so the name resolves in a web process too.
    assert app.tasks[RUN_GENERATION] == run_generation_task
