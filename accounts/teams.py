"""Teams: making one, invite links and roles."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Membership, Team, TeamInvite, User, hash_token


class InviteInvalid(ValueError):  # noqa: N818
    pass


class RoleInvalid(ValueError):  # noqa: N818
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def create_team(owner: User, name: str) -> Team:
    base = slugify(name)[:30] or "team"
    for _ in range(20):
        slug = f"{base}-{secrets.token_hex(3)}"
        try:
            with transaction.atomic():
                team = Team.objects.create(name=name.strip()[:80], slug=slug, created_by=owner)
                Membership.objects.create(team=team, user=owner, role=Membership.Role.OWNER)
                return team
        except IntegrityError:
            continue
    raise RuntimeError("could not find a free team slug")


def make_invite(team: Team, by: User, role: str, days: int, max_uses: int) -> tuple[TeamInvite, str]:
    raw = f"inv_{secrets.token_urlsafe(24)}"
    invite = TeamInvite.objects.create(
        team=team,
        role=role,
        token_hash=hash_token(raw),
        created_by=by,
        expires_at=timezone.now() + timedelta(days=days),
        max_uses=max_uses,
    )
    return invite, raw


def accept_invite(user: User, raw: str) -> Membership:
    """Join the invite's team; already a member keeps the better of the two roles."""
    with transaction.atomic():
        invite = TeamInvite.objects.select_for_update().filter(token_hash=hash_token(raw)).first()
        if invite is None or not invite.is_usable():
            raise InviteInvalid("That invite link does not work any more. Ask for a new one.")
        existing = Membership.objects.filter(team_id=invite.team_id, user=user).first()
        if existing is not None:
            return existing
        # Counted under the row lock, so max_uses holds even for people joining at once.
        TeamInvite.objects.filter(pk=invite.pk).update(uses=F("uses") + 1)
        return Membership.objects.create(team_id=invite.team_id, user=user, role=invite.role)


def set_role(team_id: int, user_id: int, role: str) -> Membership:
    if role not in Membership.Role.values:
        raise RoleInvalid(422, "bad_role", f"role must be one of {', '.join(Membership.Role.values)}.")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(team_id=team_id, user_id=user_id).first()
        if membership is None:
            raise RoleInvalid(404, "not_member", "That person is not in the team.")
        owners = Membership.objects.filter(team_id=team_id, role=Membership.Role.OWNER).count()
        if membership.role == Membership.Role.OWNER and role != Membership.Role.OWNER and owners == 1:
            raise RoleInvalid(
                409, "last_owner", "A team always keeps one owner: make someone else owner first."
            )
        membership.role = role
        membership.save(update_fields=["role"])
        return membership
