"""The one place that turns a request into an identity (session user or bearer token)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token


def token_from_bearer(header: str | None) -> ApiToken | None:
    """The usable token an ``Authorization: Bearer`` header names (user, tier, metabolism preloaded)."""
    if not header:
        return None
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    try:
        token = ApiToken.objects.select_related("user", "user__tier", "user__metabolism").get(
            token_hash=hash_token(raw.strip())
        )
    except ApiToken.DoesNotExist:
        return None
    now = timezone.now()
    if not token.is_usable(now) or not token.user.is_active:
        return None
    # Touch at most once a minute so busy clients do not write on every call.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def user_from_bearer(header: str | None, scope: str = "read") -> User | None:
    """The token's user, if the token is usable and carries ``scope``."""
    token = token_from_bearer(header)
    if token is None or not token.allows(scope):
        return None
    return token.user


def session_identity(request: HttpRequest) -> User | None:
    """The browser session's user, if signed in (guests included) and active."""
    session_user: Any = getattr(request, "user", None)
    if session_user is not None and session_user.is_authenticated and session_user.is_active:
        return session_user  # type: ignore[no-any-return]
    return None
