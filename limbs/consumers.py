"""Live progress over websockets: one generation, or everything of the signed-in identity."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.template.loader import render_to_string

from accounts.killswitch import CLOSE_STOPPED, Identity, blocking, kill_groups, team_ids_of
from limbs.access import visible
from limbs.events import group_for_generation, group_for_team, group_for_user
from limbs.models import Generation

CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


def _identity(scope: dict[str, Any]) -> Any:
    user = scope.get("user")
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user


@database_sync_to_async
def _load(generation_id: uuid.UUID, user: Any) -> Generation | None:
    return visible(Generation.objects.filter(pk=generation_id), user).first()


def _switch_identity(scope: dict[str, Any], user: Any) -> Identity:
    session = scope.get("session")
    session_key = getattr(session, "session_key", None) if scope.get("token_id") is None else None
    return Identity(user.pk, session_key, scope.get("token_id"), user.is_staff)


@database_sync_to_async
def _admission(scope: dict[str, Any], user: Any) -> tuple[bool, list[str], list[str]]:
    """(stopped by a kill switch?, its kill groups, the team groups) for a connecting socket."""
    identity = _switch_identity(scope, user)
    teams = team_ids_of(user.pk)
    stopped = blocking(identity, team_ids=teams) is not None
    return stopped, kill_groups(identity, teams), [group_for_team(t) for t in teams]


class _Stoppable(AsyncJsonWebsocketConsumer):
    """Joins the kill-switch groups of its identity and closes when a switch names it."""

    kill_groups: list[str]

    async def _admit(self, user: Any) -> list[str] | None:
        admission: tuple[bool, list[str], list[str]] = await _admission(self.scope, user)
        stopped, groups, teams = admission
        if stopped:
            await self.close(code=CLOSE_STOPPED)
            return None
        self.kill_groups = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        return teams

    async def _leave_kill_groups(self) -> None:
        for group in getattr(self, "kill_groups", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def kill_close(self, event: dict[str, Any]) -> None:
        await self.close(code=CLOSE_STOPPED)


@database_sync_to_async
def _render(generation: Generation) -> tuple[str, dict[str, Any]]:
    html = render_to_string("limbs/_generation.html", {"generation": generation, "live": True})
    return html, generation.as_json()


class GenerationConsumer(_Stoppable):
    """``/ws/generations/<id>/``; ``?format=html`` sends rendered partials for htmx."""

    async def connect(self) -> None:
        user = _identity(self.scope)
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        generation_id = self.scope["url_route"]["kwargs"]["generation_id"]
        generation = await _load(generation_id, user)
        if generation is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if await self._admit(user) is None:
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        self.html = query.get("format", ["json"])[0] == "html"
        self.generation_id = generation.pk
        self.user = user
        self.group = group_for_generation(generation.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        # The job may have moved on before we subscribed (its event reached nobody):
        # read the row again now that we listen, and send that first.
        fresh = await _load(generation.pk, user)
        await self._send_state(fresh if fresh is not None else generation)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await self._leave_kill_groups()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("action") == "refresh":
            generation = await _load(self.generation_id, self.user)
            if generation is not None:
                await self._send_state(generation)

    async def generation_update(self, event: dict[str, Any]) -> None:
        generation = await _load(self.generation_id, self.user)
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


class StudioConsumer(_Stoppable):
    """``/ws/studio/``: small JSON events for every generation the signed-in identity may see
    (its own and its teams')."""

    async def connect(self) -> None:
        user = _identity(self.scope)
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        team_groups = await self._admit(user)
        if team_groups is None:
            return
        self.groups_joined = [group_for_user(user.pk), *team_groups]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "user": user.pk, "guest": user.is_guest})

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        await self._leave_kill_groups()

    async def generation_update(self, event: dict[str, Any]) -> None:
        await self.send_json({k: v for k, v in event.items() if k != "type"} | {"type": "generation.update"})
