"""Give every first-time browser visitor a guest identity, with no form to fill."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.killswitch import Identity, blocking
from accounts.models import User

# Paths that never create a guest: API clients use POST /api/auth/guest instead,
# and static files, websockets, admin and sign-in pages need no identity.
_SKIP_PREFIXES = ("/api/", "/static/", "/ws/", "/admin/", "/accounts/", "/favicon")


class GuestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "GET"
            and not request.user.is_authenticated
            and not request.path.startswith(_SKIP_PREFIXES)
            and "Authorization" not in request.headers
        ):
            guest = User.create_guest()
            login(request, guest, backend="django.contrib.auth.backends.ModelBackend")
        return self.get_response(request)


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
