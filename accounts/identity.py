"""The one place that turns a request into an identity (session user or bearer token)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import ApiToken, User, hash_token

SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


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
    if token.user.is_guest:
        touch(token.user)
    return token


# A guest's last activity is written at most this often, so a busy guest does not write on
# every request; expiry counts in days, so an hour is precise enough.
_TOUCH_EVERY = timedelta(hours=1)


def touch(user: User) -> None:
    """Note that ``user`` was active now (at most once an hour): guests expire counting from it."""
    now = timezone.now()
    if user.last_seen is None or now - user.last_seen > _TOUCH_EVERY:
        user.last_seen = now
        User.objects.filter(pk=user.pk).update(last_seen=now)


def user_from_bearer(header: str | None, scope: str = "read") -> User | None:
    """The token's user, if the token is usable and carries ``scope``."""
    token = token_from_bearer(header)
    if token is None or not token.allows(scope):
        return None
    return token.user


def session_identity(request: HttpRequest, create: bool = False) -> User | None:
    """The browser session's user, if signed in (guests included) and active.

    With ``create``, a browser with no identity yet gets a new guest, signed in to its
    session: the studio makes a guest only when someone first makes or saves something,
    never for a page view (a client that keeps no cookie would otherwise make a user per
    request). The CSRF check runs first, so another site cannot make guests through a
    visitor's browser; a failed check is a 403.
    """
    session_user: Any = getattr(request, "user", None)
    if session_user is not None and session_user.is_authenticated:
        return session_user if session_user.is_active else None
    if not create or not hasattr(request, "session"):
        return None
    # Only a browser that opened a page (and so holds the CSRF cookie) gets a guest this way;
    # a script with neither cookie nor token is told who to be (401), not given a user.
    if settings.CSRF_COOKIE_NAME not in request.COOKIES:
        return None
    if request.method not in SAFE_METHODS and _csrf_failure(request):
        from pog_site.errors import RequestError

        raise RequestError(403, "csrf", "CSRF check failed: send the X-CSRFToken header.", None)
    return start_guest(request)


def start_guest(request: HttpRequest) -> User:
    """A new guest, signed in to this browser's session, keeping the page's CSRF token."""
    from accounts.guests import admit_new_guest

    admit_new_guest(request)
    guest = User.create_guest()
    # Signing in normally rotates the CSRF token, which would make the token already in
    # the open page (htmx sends it with every request) stale for the visitor's second
    # action. The token was issued to this same browser a moment ago and the guest owns
    # nothing yet, so keeping it gives an attacker nothing a fresh one would deny them.
    kept = request.META.get("CSRF_COOKIE")
    login(request, guest, backend="django.contrib.auth.backends.ModelBackend")
    if kept:
        request.META["CSRF_COOKIE"] = kept
    return guest


def _csrf_failure(request: HttpRequest) -> bool:
    from ninja.utils import check_csrf

    return check_csrf(request) is not None
