"""Identity endpoints for API clients."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status

from accounts import teams
from accounts.addresses import client_of
from accounts.guests import limit_new_guests
from accounts.metabolism import MetabolismInvalid, VersionConflict, update_metabolism
from accounts.models import SCOPES, ApiToken, Membership, Metabolism, Team, User
from pog_site.errors import PUBLIC, SIGNED_IN, WITH_BODY, ErrorDetail, RequestError, errors
from pog_site.inputs import Int64
from pog_site.schemas import In, Out, enum_schema

log = logging.getLogger(__name__)

router = Router(tags=["auth"], exclude_unset=True)
ROLES = [str(value) for value in Membership.Role.values]


class GuestOut(Schema):
    token: str
    user: int
    username: str


@router.post(
    "/guest",
    auth=None,
    response={201: GuestOut, **errors(PUBLIC)},
    summary="Create a guest identity and its token",
)
def create_guest(request: HttpRequest) -> Status[dict[str, object]]:
    limit_new_guests(client_of(request))
    guest = User.create_guest()
    _, raw = ApiToken.issue(guest, name="guest")
    return Status(201, {"token": raw, "user": guest.pk, "username": guest.username})


# --- settings: metabolism and API tokens ------------------------------------------

settings_router = Router(tags=["settings"], exclude_unset=True)


class MetabolismPatch(In):
    version: Int64 = Field(..., description="The version your change is based on (409 if it is stale).")
    # Each may be left out (unchanged), never sent as null.
    preferred_models: dict[str, Any] = Field(
        default_factory=dict, description="limb id: provider:model (empty clears it)."
    )
    confidence: dict[str, Any] = Field(
        default_factory=dict, description="limb id (or *): a threshold between 0 and 1."
    )
    macros: list[dict[str, Any]] = Field(default_factory=list, max_length=50)
    trust_profile: str = Field(default_factory=str, json_schema_extra=enum_schema(Metabolism.Trust.values))
    efficiency_mode: str = Field(
        default_factory=str, json_schema_extra=enum_schema(Metabolism.Efficiency.values)
    )


class MetabolismOut(Out):
    version: int
    preferred_models: dict[str, Any]
    confidence: dict[str, Any]
    macros: list[Any]
    trust_profile: str = Field(..., json_schema_extra=enum_schema(Metabolism.Trust.values))
    efficiency_mode: str = Field(..., json_schema_extra=enum_schema(Metabolism.Efficiency.values))
    updated_at: str | None


class ConflictOut(Out):
    """A stale ``version``: the error, and the preferences as they are now."""

    error: ErrorDetail
    current: MetabolismOut


@settings_router.get(
    "/metabolism",
    response={200: MetabolismOut, **errors(SIGNED_IN)},
    summary="Your preferences, as the router reads them",
)
def get_metabolism(request: HttpRequest) -> dict[str, Any]:
    return Metabolism.for_user(request.auth).as_json()  # type: ignore[attr-defined]


@settings_router.patch(
    "/metabolism",
    response={200: MetabolismOut, 409: ConflictOut, **errors(SIGNED_IN, WITH_BODY)},
    summary="Change your preferences (optimistic concurrency)",
)
def patch_metabolism(request: HttpRequest, payload: MetabolismPatch) -> HttpResponse | dict[str, Any]:
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    try:
        updated = update_metabolism(request.auth, version, changes)  # type: ignore[attr-defined]
    except MetabolismInvalid as exc:
        raise RequestError(422, "bad_metabolism", exc.message, exc.field) from None
    except VersionConflict as exc:
        body = {
            "error": {
                "code": "version_conflict",
                "message": f"Your preferences changed meanwhile (now version {exc.current.version}): "
                "apply your change to the current state and send it again.",
                "field": "version",
            },
            "current": exc.current.as_json(),
        }
        return JsonResponse(body, status=409)
    return updated.as_json()


class TokenIn(In):
    name: str = Field("api", max_length=60)
    scopes: list[str] = Field(
        default_factory=lambda: list(SCOPES), min_length=1, json_schema_extra={"items": enum_schema(SCOPES)}
    )
    expires_in_days: int | None = Field(None, ge=1, le=3650)


class TokenOut(Out):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: str
    last_used_at: str | None
    expires_at: str | None
    revoked_at: str | None


class NewTokenOut(TokenOut):
    token: str = Field(..., description="The secret, shown this once.")


class TokenListOut(Out):
    tokens: list[TokenOut]


def _token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": token.scopes,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


@settings_router.get(
    "/tokens",
    response={200: TokenListOut, **errors(SIGNED_IN)},
    summary="Your API tokens (never the secrets)",
)
def list_tokens(request: HttpRequest) -> dict[str, Any]:
    tokens = ApiToken.objects.filter(user=request.auth).order_by("-created_at")  # type: ignore[attr-defined]
    return {"tokens": [_token_json(t) for t in tokens]}


@settings_router.post(
    "/tokens",
    response={201: NewTokenOut, **errors(SIGNED_IN, WITH_BODY)},
    summary="Make an API token (shown once)",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    try:
        token, raw = issue_token(request.auth, payload.name, payload.scopes, payload.expires_in_days)  # type: ignore[attr-defined]
    except ValueError as exc:
        raise RequestError(422, "bad_scopes", str(exc), "scopes") from None
    return Status(201, _token_json(token) | {"token": raw})


@settings_router.delete(
    "/tokens/{token_id}",
    response={200: TokenOut, **errors(SIGNED_IN, 404)},
    summary="Revoke a token; it is refused from its next request",
)
def revoke_token(request: HttpRequest, token_id: Int64) -> dict[str, Any]:
    token = ApiToken.objects.filter(pk=token_id, user=request.auth).first()  # type: ignore[attr-defined]
    if token is None:
        raise Http404("No token of yours has that id.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return _token_json(token)


def issue_token(
    user: User, name: str, scopes: list[str], expires_in_days: int | None
) -> tuple[ApiToken, str]:
    expires = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    return ApiToken.issue(user, name=name.strip() or "api", scopes=tuple(scopes), expires_at=expires)


# --- teams --------------------------------------------------------------------------------


class TeamIn(In):
    name: str = Field(..., min_length=1, max_length=80)


class InviteIn(In):
    role: str = Field("editor", description="owner | editor | viewer", json_schema_extra=enum_schema(ROLES))
    days: int = Field(7, ge=1, le=90)
    max_uses: int = Field(10, ge=1, le=1000)


class RoleIn(In):
    role: str = Field(..., description="owner | editor | viewer", json_schema_extra=enum_schema(ROLES))


class TeamOut(Out):
    id: int
    name: str
    slug: str
    role: Annotated[str, Field(json_schema_extra=enum_schema(ROLES))] | None


class TeamListOut(Out):
    teams: list[TeamOut]


class MemberOut(Out):
    user: int
    name: str
    role: str = Field(..., json_schema_extra=enum_schema(ROLES))


class MemberListOut(Out):
    members: list[MemberOut]


class InviteOut(Out):
    invite: int
    role: str = Field(..., json_schema_extra=enum_schema(ROLES))
    link: str
    token: str


class RoleOut(Out):
    user: int
    role: str = Field(..., json_schema_extra=enum_schema(ROLES))


def _team_json(team: Team, role: str | None = None) -> dict[str, Any]:
    return {"id": team.pk, "name": team.name, "slug": team.slug, "role": role}


def _member_of(user: User, team_id: int, *, owner: bool = False) -> Membership:
    """The caller's membership, or 404 (a team you are not in does not exist for you)."""
    found = Membership.objects.filter(team_id=team_id, user=user).select_related("team").first()
    if found is None:
        raise Http404("No team of yours has that id.")
    if owner and found.role != Membership.Role.OWNER:
        raise RequestError(403, "not_owner", "Only the team's owners can do that.", None)
    return found


@settings_router.get(
    "/teams", response={200: TeamListOut, **errors(SIGNED_IN)}, summary="Your teams and your role in each"
)
def list_teams(request: HttpRequest) -> dict[str, Any]:
    rows = Membership.objects.filter(user=request.auth).select_related("team")  # type: ignore[attr-defined]
    return {"teams": [_team_json(m.team, m.role) for m in rows]}


@settings_router.post(
    "/teams",
    response={201: TeamOut, **errors(SIGNED_IN, WITH_BODY)},
    summary="Make a team (you are its owner)",
)
def create_team(request: HttpRequest, payload: TeamIn) -> Status[dict[str, Any]]:
    team = teams.create_team(request.auth, payload.name)  # type: ignore[attr-defined]
    return Status(201, _team_json(team, Membership.Role.OWNER))


@settings_router.get(
    "/teams/{team_id}/members",
    response={200: MemberListOut, **errors(SIGNED_IN, 404)},
    summary="Who is in the team",
)
def team_members(request: HttpRequest, team_id: Int64) -> dict[str, Any]:
    _member_of(request.auth, team_id)  # type: ignore[attr-defined]
    rows = Membership.objects.filter(team_id=team_id).select_related("user").order_by("joined_at")
    return {"members": [{"user": m.user_id, "name": m.user.friendly_name, "role": m.role} for m in rows]}


@settings_router.post(
    "/teams/{team_id}/invites",
    response={201: InviteOut, **errors(SIGNED_IN, WITH_BODY, 404)},
    summary="An invite link",
)
def create_invite(request: HttpRequest, team_id: Int64, payload: InviteIn) -> Status[dict[str, Any]]:
    membership = _member_of(request.auth, team_id, owner=True)  # type: ignore[attr-defined]
    if payload.role not in Membership.Role.values:
        raise RequestError(
            422, "bad_role", f"role must be one of {', '.join(Membership.Role.values)}.", "role"
        )
    user: User = request.auth  # type: ignore[attr-defined]
    invite, raw = teams.make_invite(membership.team, user, payload.role, payload.days, payload.max_uses)
    link = request.build_absolute_uri(f"/teams/join/{raw}/")
    return Status(201, {"invite": invite.pk, "role": invite.role, "link": link, "token": raw})


@settings_router.post(
    "/teams/join/{token}",
    response={200: TeamOut, **errors(SIGNED_IN, 404)},
    summary="Join a team through an invite",
)
def join_team(request: HttpRequest, token: str) -> dict[str, Any]:
    try:
        membership = teams.accept_invite(request.auth, token)  # type: ignore[attr-defined]
    except teams.InviteInvalid as exc:
        raise RequestError(404, "bad_invite", str(exc), "token") from None
    return _team_json(membership.team, membership.role)


@settings_router.put(
    "/teams/{team_id}/members/{user_id}",
    response={200: RoleOut, **errors(SIGNED_IN, WITH_BODY, 404, 409)},
    summary="Change a member's role",
)
def set_role(request: HttpRequest, team_id: Int64, user_id: Int64, payload: RoleIn) -> dict[str, Any]:
    _member_of(request.auth, team_id, owner=True)  # type: ignore[attr-defined]
    try:
        membership = teams.set_role(team_id, user_id, payload.role)
    except teams.RoleInvalid as exc:
        raise RequestError(exc.status, exc.code, str(exc), "role") from None
    return {"user": membership.user_id, "role": membership.role}
