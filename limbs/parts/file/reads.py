"""What the file limb reads of the studio: the things a person may see (their own, their
teams'), and the ones they chose for a bundle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # readers are handed a view; they never import the studio
    from limbs.studio import StudioView


def _row(asset: Any) -> dict[str, Any]:
    return {
        "id": str(asset.pk),
        "name": asset.name,
        "kind": asset.kind,
        "mime": asset.mime,
        "bytes": asset.size,
        "sha256": asset.sha256,
        "project": asset.project.name if asset.project_id else None,
        "project_id": str(asset.project_id) if asset.project_id else None,
        "team": asset.team_id,
        "created_at": asset.created_at.isoformat(),
    }


def things(view: StudioView, params: Mapping[str, Any]) -> dict[str, Any]:
    """The person's things, filtered by kind and project, newest (or oldest) first."""
    found = view.assets().select_related("project")
    if params.get("kind", "all") != "all":
        found = found.filter(kind=params["kind"])
    project = str(params.get("project") or "")
    if project:
        found = found.filter(project_id=project)
    total = found.count()
    order = "-created_at" if params.get("newest_first", True) else "created_at"
    rows = [_row(a) for a in found.order_by(order, "id")[: int(params.get("limit", 50))]]
    return {"total": total, "things": rows}


def chosen(view: StudioView, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The assets chosen for a bundle, in the order chosen."""
    ids = list(params.get("assets") or [])
    by_id = {str(a.pk): a for a in view.assets().select_related("project").filter(pk__in=ids)}
    return [_row(by_id[i]) for i in ids if i in by_id]
