"""ASGI entry point: daphne serves HTTP (with static files via WhiteNoise) and websockets."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pog_site.settings")
django.setup(set_prefix=False)  # what django.core.asgi.get_asgi_application does first

from django.conf import settings  # noqa: E402

from pog_site.request_threads import PooledThreadsASGIHandler, RequestThreads  # noqa: E402

django_asgi_app = PooledThreadsASGIHandler(RequestThreads(keep=settings.POG_REQUEST_THREADS))

from asgiref.sync import sync_to_async  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from accounts.guests import start_sweeper  # noqa: E402
from accounts.ws import IdentityMiddlewareStack  # noqa: E402
from limbs.routing import websocket_urlpatterns  # noqa: E402
from limbs.runs import resubmit_unfinished  # noqa: E402
from pog_site import jobs  # noqa: E402

_router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(IdentityMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
_booted = False
# Issue 12, point 3: unclaimed guests and their files expire on a timer in every server process.
start_sweeper()


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global _booted
    if not _booted:
        _booted = True
        jobs.register_loop(asyncio.get_running_loop())
        # Embedded mode: generations a crash or restart left behind run again.
        await sync_to_async(jobs.ensure_started, thread_sensitive=False)(resubmit_unfinished)
    await _router(scope, receive, send)
