"""System · Status: Shows the job queues, workers and storage."""

from __future__ import annotations

from limbs.params import kw
from limbs.spec import ActionSpec

ACTION = ActionSpec(
    id="status",
    name="Status",
    description="Shows the job queues, workers and storage.",
    output="json",
    needs_intent=False,
    keywords=kw("status, queue, queues, worker, workers, storage, disk, busy"),
)
