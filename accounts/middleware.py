"""Guests made on a browser's first post (never on a page view), and pages refusing stopped identities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.identity import SAFE_METHODS, session_identity, touch
from accounts.killswitch import Identity, blocking
from pog_site.errors import RequestError

# Paths whose forms never create a guest: the API makes its own (POST /api/auth/guest, or
# the first call a browser session makes, in pog_site.api.StudioAuth), and the sign-in pages
# and the admin have their own identities.
_SKIP_PREFIXES = ("/api/", "/static/", "/ws/", "/admin/", "/accounts/", "/favicon")


class GuestMiddleware:
    """Pages are open to anyone without making an identity; a browser's first form post
    (after its CSRF check) makes the guest that owns what it makes or saves.

    A page view never creates a user or a session: scripts and crawlers that keep no cookie
    would otherwise leave one of each per request. Every page carries the CSRF token (the
    base template sends it with htmx), so the visitor's first post passes the check.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_guest:
            touch(user)
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        # Runs after CsrfViewMiddleware.process_view, which has refused a forged post already.
        if (
            request.method in SAFE_METHODS
            or request.user.is_authenticated
            or request.path.startswith(_SKIP_PREFIXES)
            or "Authorization" in request.headers
        ):
            return None
        try:
            session_identity(request, create=True)
        except RequestError as exc:
            response = render(request, "accounts/no_guest.html", {"message": exc.message}, status=exc.status)
            if exc.retry_after is not None:
                response["Retry-After"] = str(exc.retry_after)
            return response
        return None


# Staff must reach the admin to release a switch; static files carry no identity.
_NEVER_STOPPED = ("/admin/", "/static/", "/accounts/logout/", "/favicon")


class KillSwitchMiddleware:
    """Pages refuse a stopped user, session or team (or everyone) with a friendly 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The API answers for itself (JSON errors, bearer tokens): see pog_site.api.StudioAuth.
        if request.path.startswith(("/api/", *_NEVER_STOPPED)):
            return self.get_response(request)
        user = request.user
        identity = Identity(
            user.pk if user.is_authenticated else None,
            request.session.session_key,
            None,
            bool(user.is_authenticated and user.is_staff),
        )
        switch = blocking(identity, member_teams=True)
        if switch is not None:
            return render(request, "stopped.html", {"reason": switch.reason}, status=503)
        return self.get_response(request)
