"""Who may see and make what: the one place every query, page, endpoint, download and
websocket asks.

A generation or asset belongs to its owner alone when it has no team, and to its team
when it has one (every member sees it; owners and editors make things in the team's
projects; viewers only look). Objects are looked up by id *through* these filters, so
an id that is not yours is simply not found (404), never "forbidden": guessing ids
learns nothing.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from accounts.models import Membership, Team, User

M = TypeVar("M", bound=Model)


def team_ids(user: User) -> QuerySet[Membership, int]:
    """The teams ``user`` belongs to, as a subquery (evaluated inside the caller's query)."""
    return Membership.objects.filter(user=user).values_list("team_id", flat=True)


def visible_q(user: User) -> Q:
    return Q(team__isnull=True, owner=user) | Q(team__in=team_ids(user))


def visible(qs: QuerySet[M], user: User) -> QuerySet[M]:
    """Only the rows of ``qs`` (generations or assets) that ``user`` may see."""
    return qs.filter(visible_q(user))


def membership(user: User, team: Team | int) -> Membership | None:
    team_id = team if isinstance(team, int) else team.pk
    return Membership.objects.filter(user=user, team_id=team_id).first()


def can_make_in(user: User, team: Team | int) -> bool:
    found = membership(user, team)
    return found is not None and found.can_make
