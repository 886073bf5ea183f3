"""Kill switches: staff stop everything, or one user, team, session, limb or provider, at once.

Effective on the next request: every API call, page and websocket connection asks
``blocking`` (one indexed query over the few active switches), the request path asks
it again for the team and limb it touches, and the router skips a stopped provider.
While no switch is active at all, which is nearly always, those checks cost no query:
``accounts.switch_epoch`` remembers that until any switch changes.
Open websockets of the target are closed through the channel layer, so in scale
mode a switch set in one process closes sockets served by every other process.
Setting and releasing are both appended to the provenance ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import CharField, F, Q, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from accounts import switch_epoch
from accounts.hooks import limb_catalog
from accounts.models import KillSwitch, Membership, User

PROVIDERS = ("cloudflare", "gemini", "ollama")
CLOSE_STOPPED = 4403


class SwitchInvalid(ValueError):  # noqa: N818
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Identity:
    """What a request or socket is, for the switches' purposes."""

    user_id: int | None = None
    session_key: str | None = None
    token_id: int | None = None
    is_staff: bool = False

    @property
    def session_target(self) -> str | None:
        if self.token_id is not None:
            return f"token:{self.token_id}"
        return self.session_key or None


def kill_groups(identity: Identity, team_ids: Iterable[int] = ()) -> list[str]:
    """The channel groups a socket of ``identity`` joins so a switch can close it."""
    groups = ["kill.all"]
    if identity.user_id is not None:
        groups.append(f"kill.user.{identity.user_id}")
    if identity.session_target:
        groups.append(f"kill.session.{_group_safe(identity.session_target)}")
    groups += [f"kill.team.{t}" for t in team_ids]
    return groups


def _group_safe(value: str) -> str:
    # Channel group names allow only ASCII letters, digits, hyphens, underscores and periods.
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in value)[:90]


def blocking(
    identity: Identity,
    *,
    team_ids: Iterable[int] = (),
    limb: str | None = None,
    member_teams: bool = False,
) -> KillSwitch | None:
    """The active switch that stops this request, if any (the oldest, for a stable reason).

    ``member_teams`` also matches the teams the identity's user belongs to, inside the
    same query (the per-request check then costs one query, not two).
    """
    if _nothing_active():
        return None
    wanted = Q(scope=KillSwitch.Scope.GLOBAL)
    if identity.user_id is not None:
        wanted |= Q(scope=KillSwitch.Scope.USER, target=str(identity.user_id))
        if member_teams:
            mine = (
                Membership.objects.filter(user_id=identity.user_id)
                .annotate(as_text=Cast("team_id", CharField()))
                .values("as_text")
            )
            wanted |= Q(scope=KillSwitch.Scope.TEAM, target__in=Subquery(mine))
    if identity.session_target:
        wanted |= Q(scope=KillSwitch.Scope.SESSION, target=identity.session_target)
    teams = [str(t) for t in team_ids]
    if teams:
        wanted |= Q(scope=KillSwitch.Scope.TEAM, target__in=teams)
    if limb:
        wanted |= Q(scope=KillSwitch.Scope.LIMB, target=limb)
    found = KillSwitch.objects.filter(wanted, released_at__isnull=True).order_by("created_at")
    for switch in found:
        # Staff keep working through a global stop, or nobody could release it from the admin.
        if switch.scope == KillSwitch.Scope.GLOBAL and identity.is_staff:
            continue
        return switch
    return None


def stopped_providers() -> set[str]:
    if _nothing_active():
        return set()
    return set(
        KillSwitch.objects.filter(scope=KillSwitch.Scope.PROVIDER, released_at__isnull=True).values_list(
            "target", flat=True
        )
    )


def _nothing_active() -> bool:
    return switch_epoch.nothing_active(
        lambda: not KillSwitch.objects.filter(released_at__isnull=True).exists()
    )


def _check(scope: str, target: str) -> str:
    target = target.strip()
    if scope not in KillSwitch.Scope.values:
        raise SwitchInvalid("scope", f"scope must be one of: {', '.join(KillSwitch.Scope.values)}.")
    if scope == KillSwitch.Scope.GLOBAL:
        return ""
    if not target:
        raise SwitchInvalid("target", f"A {scope} switch needs a target.")
    if scope in (KillSwitch.Scope.USER, KillSwitch.Scope.TEAM) and not target.isdigit():
        raise SwitchInvalid("target", f"A {scope} switch names the {scope} by its number (id).")
    if scope == KillSwitch.Scope.PROVIDER and target not in PROVIDERS:
        raise SwitchInvalid("target", f"provider must be one of: {', '.join(PROVIDERS)}.")
    if scope == KillSwitch.Scope.LIMB and limb_catalog().get(target) is None:
        raise SwitchInvalid("target", f"There is no limb called '{target}'.")
    return target


def set_switch(scope: str, target: str, reason: str, by: User | None) -> KillSwitch:
    """Stop something now: record it, write it to the ledger, close the target's sockets."""
    from provenance.ledger import append as ledger_append

    target = _check(scope, target)
    reason = reason.strip()
    if not reason:
        raise SwitchInvalid("reason", "Say why: the reason is kept with the switch and in the ledger.")
    with transaction.atomic():
        switch = KillSwitch.objects.create(scope=scope, target=target, reason=reason[:300], created_by=by)
        ledger_append("kill_switch", f"{scope}:{target}", _ledger_body(switch, "set", by, reason))
    transaction.on_commit(lambda: close_sockets(scope, target))
    return switch


def release_switch(switch: KillSwitch, by: User | None, reason: str = "") -> bool:
    """Let the target work again; False when it was already released."""
    from provenance.ledger import append as ledger_append

    with transaction.atomic():
        released = KillSwitch.objects.filter(pk=switch.pk, released_at__isnull=True).update(
            released_at=timezone.now(), released_by=by, release_reason=reason[:300]
        )
        if not released:
            return False
        switch_epoch.changed()  # an update() sends no post_save
        switch.refresh_from_db()
        ledger_append(
            "kill_switch", f"{switch.scope}:{switch.target}", _ledger_body(switch, "release", by, reason)
        )
    return True


def _ledger_body(switch: KillSwitch, action: str, by: User | None, reason: str) -> dict[str, object]:
    return {
        "switch": switch.pk,
        "action": action,
        "scope": switch.scope,
        "target": switch.target,
        "reason": reason,
        "by": by.pk if by is not None else None,
    }


def close_sockets(scope: str, target: str) -> None:
    """Tell every socket of the target, in every process, to close (best effort: the next
    request is refused anyway)."""
    from pog_site import jobs

    group = {
        KillSwitch.Scope.GLOBAL: "kill.all",
        KillSwitch.Scope.USER: f"kill.user.{target}",
        KillSwitch.Scope.TEAM: f"kill.team.{target}",
        KillSwitch.Scope.SESSION: f"kill.session.{_group_safe(target)}",
    }.get(KillSwitch.Scope(scope))
    if group is not None:
        jobs.publish(group, {"type": "kill.close", "scope": scope, "target": target})


def revoke_sessions(user: User | None, by: User | None) -> int:
    """Sign one identity (or, with None, everyone) out of every browser session now.

    Bumping the session epoch changes the hash Django checks on every request, so
    old sessions fail at once, wherever they are stored; their sockets are closed.
    """
    from django.contrib.sessions.models import Session

    from provenance.ledger import append as ledger_append

    with transaction.atomic():
        if user is None:
            count = User.objects.update(session_epoch=F("session_epoch") + 1)
            Session.objects.all().delete()
        else:
            count = User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        ledger_append(
            "sessions_revoked",
            "everyone" if user is None else f"user:{user.pk}",
            {"user": user.pk if user is not None else None, "by": by.pk if by is not None else None},
        )
    transaction.on_commit(
        lambda: close_sockets(
            KillSwitch.Scope.GLOBAL if user is None else KillSwitch.Scope.USER, str(user.pk) if user else ""
        )
    )
    return count


def team_ids_of(user_id: int | None) -> list[int]:
    if user_id is None:
        return []
    return list(Membership.objects.filter(user_id=user_id).values_list("team_id", flat=True))
