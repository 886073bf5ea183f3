"""Projects: the folders people file work under, their own or a team's, and what a team
has made (its page asks through ``accounts.hooks.team_work``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Membership, Team, User
from limbs.access import membership
from limbs.models import Asset, Project
from pog_site.errors import RequestError

TEAM_LIBRARY_SIZE = 48


def projects_for(user: User) -> QuerySet[Project]:
    teams = Membership.objects.filter(user=user).values_list("team_id", flat=True)
    return Project.objects.filter(Q(owner=user, team__isnull=True) | Q(team__in=teams)).select_related("team")


def project_json(project: Project) -> dict[str, Any]:
    return {
        "id": str(project.id),
        "name": project.name,
        "team": project.team_id,
        "owner": project.owner_id,
        "created_at": project.created_at.isoformat(),
    }


def create_project(user: User, name: str, team_id: int | None) -> Project:
    """A project of ``user``'s own, or of a team where they may make things (404 for a team
    they are not in, as if it did not exist)."""
    if team_id is None:
        return Project.objects.create(name=name.strip(), owner=user)
    member = membership(user, team_id)
    if member is None:
        raise Http404("No team of yours has that id.")
    if not member.can_make:
        raise RequestError(403, "viewer", "Viewers look at a team's work; editors make projects.", "team")
    return Project.objects.create(name=name.strip(), team_id=team_id)


def team_work(team: Team) -> dict[str, Any]:
    """The team page's projects and library, newest things first."""
    return {
        "projects": Project.objects.filter(team=team).order_by("name"),
        "assets": Asset.objects.filter(team=team).order_by("-created_at")[:TEAM_LIBRARY_SIZE],
    }
