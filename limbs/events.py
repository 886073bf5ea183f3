"""Progress events: the channel groups of a generation, its owner and their team, and the one
helper that tells them a row changed (small, typed events).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from limbs.models import Generation
from pog_site import jobs

log = logging.getLogger(__name__)


def group_for_generation(generation_id: uuid.UUID | str) -> str:
    return f"generation.{generation_id}"


def group_for_user(user_id: int) -> str:
    return f"studio.{user_id}"


def group_for_team(team_id: int) -> str:
    return f"team.{team_id}"


def publish_update(
    generation_id: uuid.UUID | str, owner_id: int | None = None, row: dict[str, Any] | None = None
) -> None:
    """Tell the generation's and the owner's groups that the row changed (small, typed event).

    ``row`` (status, progress, message, owner_id) saves a query when the caller just wrote it.
    """
    if row is None:
        fetched = (
            Generation.objects.filter(pk=generation_id)
            .values("status", "progress", "message", "owner_id", "team_id")
            .first()
        )
        row = dict(fetched) if fetched is not None else None
    if row is None:
        return
    event = {
        "type": "generation.update",
        "generation": str(generation_id),
        "status": row["status"],
        "progress": round(row["progress"], 3),
        "message": row["message"],
    }
    jobs.publish(group_for_generation(generation_id), event)
    jobs.publish(group_for_user(owner_id or row["owner_id"]), event)
    if row.get("team_id"):
        jobs.publish(group_for_team(row["team_id"]), event)


def row_of(generation: Generation) -> dict[str, Any]:
    return {
        "status": generation.status,
        "progress": generation.progress,
        "message": generation.message,
        "owner_id": generation.owner_id,
        "team_id": generation.team_id,
    }
