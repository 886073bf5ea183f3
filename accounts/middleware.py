"""Give every first-time browser visitor a guest identity, with no form to fill."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse

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
