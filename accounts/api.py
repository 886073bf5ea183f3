"""Identity endpoints for API clients."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from accounts.models import ApiToken, User

router = Router(tags=["auth"])


class GuestOut(Schema):
    token: str
    user: int
    username: str


@router.post("/guest", auth=None, response={201: GuestOut}, summary="Create a guest identity and its token")
def create_guest(request: HttpRequest) -> tuple[int, dict[str, object]]:
    guest = User.create_guest()
    _, raw = ApiToken.issue(guest, name="guest")
    return 201, {"token": raw, "user": guest.pk, "username": guest.username}
