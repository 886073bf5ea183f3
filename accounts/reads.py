"""Reads are metered too: every API read counts against its identity's and its address's allowance.

``ReadMeterMiddleware`` sits in the request path once, for every endpoint: it works out
the client (``accounts.addresses``) and makes it the current one for the request (so
``limbs.admission`` can charge a generation to its address and network), then charges each
``GET``/``HEAD`` under ``/api/`` to the read meters (``accounts.meters.read_meters``). The
allowances are generous (reads are cheap), but a scraper hammering ``/api/assets`` is
answered 429 with ``Retry-After``. A page opened by someone unknown (no session; pages take
no API token) is charged to its address's page allowance (``POG_PAGES_PER_ADDRESS_MINUTE``, 120): a
person opens a page every few seconds at most, a cookie-less flood of ``GET /`` gets a
small 429 page. A page's parts (previews, pictures, fragments it polls) are not pages. Static files
(served by WhiteNoise before this runs) and the paths in ``POG_READS_EXEMPT`` (health
checks, the API's own docs) are never metered.

Identity. A session's user, or the user whose API token the ``Authorization`` header
names (one indexed lookup; whether the token is usable is the API's to say). A request
with neither is charged to its address only.

``WebsocketConnectMeter`` does the same for websocket connects, per address.

If the limits store is unreachable the read is served unmetered and the problem logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from accounts import addresses, limits, meters
from accounts.addresses import Client
from accounts.limits import LimitsUnavailable, RateLimit
from accounts.models import ApiToken, hash_token
from pog_site.errors import RequestError

log = logging.getLogger(__name__)

_READ_METHODS = frozenset({"GET", "HEAD"})


def _exempt(path: str) -> bool:
    return any(path.startswith(p) for p in getattr(settings, "POG_READS_EXEMPT", ()))


def reader_id(request: HttpRequest) -> int | None:
    """The user a read is charged to: the bearer token's, else the session's (None: nobody known)."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        found = ApiToken.objects.filter(token_hash=hash_token(raw.strip())).values_list("user_id", flat=True)
        return found.first()
    user: Any = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return int(user.pk)
    return None


def charge_read(user_id: int | None, client: Client) -> RequestError | None:
    """Charge one read; the 429 to answer when a meter is empty, None when it may go ahead."""
    return _charge(meters.read_meters(user_id, client), "reads")


def _charge(charged: list[meters.Meter], what: str) -> RequestError | None:
    """Take one from each meter: the 429 for the first empty one, None when all had room
    (or the limits store is down: served unmetered, and logged)."""
    try:
        decision = limits.take_all([(m.key, m.limit) for m in charged])
    except LimitsUnavailable:
        log.warning("%s limits unavailable; serving unmetered", what, exc_info=True)
        return None
    if decision.allowed:
        return None
    return meters.refusal(charged, decision, what=what)


def error_json(error: RequestError) -> HttpResponse:
    """The API's error shape for an error answered before the API itself runs."""
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.field:
        body["field"] = error.field
    response = JsonResponse({"error": body}, status=error.status)
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


class ReadMeterMiddleware:
    """Makes the request's client current, and meters API reads (after authentication middleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        client = addresses.client_of(request)
        with addresses.serving(client):
            if (
                request.method in _READ_METHODS
                and request.path.startswith("/api/")
                and not _exempt(request.path)
            ):
                refused = charge_read(reader_id(request), client)
                if refused is not None:
                    return error_json(refused)
            elif request.method in _READ_METHODS and _metered_page(request):
                refused = charge_page(client)
                if refused is not None:
                    return page_refusal(refused)
            return self.get_response(request)


# A page's own parts (pictures, previews, fragments a page polls) are not pages of their own.
_PAGE_PARTS = ("/preview", "/fragment", "/recent", "/stream", ".png")


def _metered_page(request: HttpRequest) -> bool:
    """A page opened by someone the studio does not know (no session): what a cookie-less
    flood sends. Known people's page views are theirs to make. Pages do not take API
    tokens, so a bearer token does not make a page view known."""
    if _exempt(request.path) or request.path.endswith(_PAGE_PARTS):
        return False
    user: Any = getattr(request, "user", None)
    return user is None or not user.is_authenticated


def charge_page(client: Client) -> RequestError | None:
    """Charge one page view to its address; the 429 to answer when the meter is empty."""
    return _charge(meters.page_meters(client), "pages")


def page_refusal(error: RequestError) -> HttpResponse:
    """A small page for a page view refused by its meter: cheap to make, as a flood gets it."""
    response = HttpResponse(
        render_to_string("429.html", {"message": error.message}), status=429, content_type="text/html"
    )
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    return response


def _take_connect(client: Client) -> limits.MultiDecision | None:
    limit = RateLimit(int(getattr(settings, "POG_WS_CONNECTS_PER_ADDRESS_MINUTE", 120)), 60.0)
    try:
        return limits.take_all([(f"ws:{client.address_key}", limit)])
    except LimitsUnavailable:
        log.warning("websocket connect limits unavailable; connecting unmetered", exc_info=True)
        return None


# The close code a refused websocket gets: 4000-4999 are the application's; 4429 reads as "429".
WS_TOO_MANY = 4429


class WebsocketConnectMeter:
    """ASGI middleware: an address that opens too many websockets a minute is refused at connect."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") == "websocket":
            decision = await sync_to_async(_take_connect, thread_sensitive=False)(
                addresses.client_of_scope(scope)
            )
            if decision is not None and not decision.allowed:
                message = await receive()
                if message.get("type") == "websocket.connect":
                    await send({"type": "websocket.close", "code": WS_TOO_MANY})
                return None
        return await self.inner(scope, receive, send)
