"""Identity endpoints for API clients."""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from accounts.models import ApiToken, User
from limbs.actions import RequestError
from pog_site.state import shared_state

router = Router(tags=["auth"])


class GuestOut(Schema):
    token: str
    user: int
    username: str


@router.post("/guest", auth=None, response={201: GuestOut}, summary="Create a guest identity and its token")
def create_guest(request: HttpRequest) -> Status[dict[str, object]]:
    # One address may make only so many guests a minute, across every process.
    address = request.META.get("REMOTE_ADDR", "unknown")
    count, left = shared_state().hit(f"guests:{address}", 60)
    if count > settings.POG_GUESTS_PER_MINUTE:
        raise RequestError(
            429,
            "too_many_guests",
            f"Too many new guests from your address; try again in {math.ceil(left)} s.",
            None,
            retry_after=math.ceil(left),
        )
    guest = User.create_guest()
    _, raw = ApiToken.issue(guest, name="guest")
    return Status(201, {"token": raw, "user": guest.pk, "username": guest.username})
