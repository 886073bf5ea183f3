"""Celery wrappers: take ids, call the real function (embedded mode calls ``.run``)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from relics.museum import REGISTER_UPLOAD, run_upload


@shared_task(name=REGISTER_UPLOAD, acks_late=True, reject_on_worker_lost=True)
def register_upload_task(upload_id: str) -> dict[str, Any] | None:
    # The row is claimed pending -> decoding, so a redelivered message finds nothing to do.
    return run_upload(upload_id)
