"""Live progress over websockets: one generation, or everything of the signed-in identity."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.template.loader import render_to_string

from limbs.actions import group_for_generation, group_for_user
from limbs.models import Generation

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


def _identity(scope: dict[str, Any]) -> Any:
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user


@database_sync_to_async
def _load(generation_id: uuid.UUID, owner_id: int) -> Generation | None:
    return Generation.objects.filter(pk=generation_id, owner_id=owner_id).first()


@database_sync_to_async
def _render(generation: Generation) -> tuple[str, dict[str, Any]]:
    html = render_to_string("limbs/_generation.html", {"generation": generation, "live": True})
    return html, generation.as_json()


class GenerationConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/generations/<id>/``; ``?format=html`` sends rendered partials for htmx."""

    async def connect(self) -> None:
        user = _identity(self.scope)
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        generation_id = self.scope["url_route"]["kwargs"]["generation_id"]
        generation = await _load(generation_id, user.pk)
        if generation is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.html = query.get("format", ["json"])[0] == "html"
        self.generation_id = generation.pk
        self.owner_id = user.pk
        self.group = group_for_generation(generation.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # The job may have moved on before we subscribed: send the current state first.
        await self._send_state(generation)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("action") == "refresh":
            generation = await _load(self.generation_id, self.owner_id)
            if generation is not None:
                await self._send_state(generation)

    async def generation_update(self, event: dict[str, Any]) -> None:
        generation = await _load(self.generation_id, self.owner_id)
        if generation is not None:
            await self._send_state(generation)

    async def _send_state(self, generation: Generation) -> None:
        html, data = await _render(generation)
        if self.html:
            await self.send(text_data=html)
        else:
            await self.send_json({"type": "generation", **data})
        if generation.is_done:
            await self.close(code=1000)


class StudioConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/studio/``: small JSON events for every generation of the signed-in identity."""

    async def connect(self) -> None:
        user = _identity(self.scope)
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = group_for_user(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "user": user.pk, "guest": user.is_guest})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def generation_update(self, event: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"type": "generation.update"})
