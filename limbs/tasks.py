"""Celery wrappers: take ids, call the real function (embedded mode calls ``.run``)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from limbs.request import RUN_GENERATION
from limbs.runs import run_generation


@shared_task(bind=True, name=RUN_GENERATION, acks_late=True, reject_on_worker_lost=True)
def run_generation_task(self: Any, generation_id: str, takeover: bool = False) -> dict[str, Any] | None:
    # A redelivered message means the worker that held it died mid-job: take the claim over.
    delivery = getattr(self.request, "delivery_info", None) or {}
    redelivered = bool(delivery.get("redelivered"))
    return run_generation(generation_id, takeover=takeover or redelivered)
