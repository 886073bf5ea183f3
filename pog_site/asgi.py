"""ASGI entry point: daphne serves HTTP (with static files via WhiteNoise) and websockets."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pog_site.settings")
django.setup(set_prefix=False)  # what django.core.asgi.get_asgi_application does first

from django.conf import settings  # noqa: E402

from pog_site import memory  # noqa: E402

# Before any thread starts: a few heaps for all the request and job threads, not one each,
# so the memory of a burst can be handed back (pog_site.memory).
memory.limit_arenas(settings.POG_MALLOC_ARENAS)

from accounts.addresses import turn_key  # noqa: E402
from pog_site.request_threads import PooledThreadsASGIHandler, RequestThreads  # noqa: E402

django_asgi_app = PooledThreadsASGIHandler(
    RequestThreads(keep=settings.POG_REQUEST_THREADS, limit=settings.POG_REQUEST_THREADS_MAX),
    key_of=turn_key,
)

import threading  # noqa: E402

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from accounts.guests import start_sweeper  # noqa: E402
from accounts.ws import IdentityMiddlewareStack  # noqa: E402
from limbs.routing import websocket_urlpatterns  # noqa: E402
from limbs.runs import resubmit_unfinished  # noqa: E402
from pog_site import jobs, procs  # noqa: E402
from relics.museum import resubmit_unfinished_uploads  # noqa: E402

_router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(IdentityMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
_booted = False
# Issue 12, point 3: unclaimed guests and their files expire on a timer in every server process.
start_sweeper()


def _start() -> None:
    """What the server does once it starts, before any request: start the generator
    processes, and (embedded mode) queue again the generations a crash or restart left
    behind, and the relic uploads it left undecoded, so they finish even if nobody asks."""
    procs.warm()
    jobs.ensure_started(lambda: resubmit_unfinished() + resubmit_unfinished_uploads())


if settings.POG_RESUME_AT_START:
    # On a thread of its own: the server answers at once, and the queries of the
    # resubmission never run on the event loop.
    threading.Thread(target=_start, name="pog-start", daemon=True).start()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _booted
    if not _booted:
        _booted = True
        jobs.register_loop(asyncio.get_running_loop())
    await _router(scope, receive, send)
