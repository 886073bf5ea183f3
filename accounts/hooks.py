"""What accounts asks of the app that makes things, through hooks that app fills in.

Accounts keeps people, teams, preferences, macros and kill switches, some of them by limb
id, yet imports nothing of the limbs app: that app is built on accounts, not the other
way round. Where accounts must know of the limbs (is there a limb "image"? are this
macro's action and settings valid? which AI models may a person prefer? what has a team
made?), it asks through the hooks here, which ``limbs.apps`` sets in its ``ready()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from accounts.models import Team, User


class Action(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


class Limb(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def icon(self) -> str: ...

    @property
    def default_action(self) -> Action: ...

    def action(self, action_id: str) -> Action | None: ...


class ParamsInvalid(ValueError):  # noqa: N818 (reads as a verdict at the call sites)
    """A setting an action refuses; ``field`` names the setting."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class DefaultModel:
    """A model an AI tier asks by default for one of a limb's actions: a model a person
    may prefer for that limb."""

    limb: Limb
    action: Action
    provider: str
    model: str


class LimbCatalog(Protocol):
    def get(self, limb_id: str) -> Limb | None: ...

    def clean_params(self, limb_id: str, action_id: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """The action's settings, checked and completed; raises ParamsInvalid."""
        ...

    def default_models(self) -> Iterable[DefaultModel]:
        """In catalogue order: limb by limb, action by action, tier by tier."""
        ...


TeamWork = Callable[[Team], Mapping[str, Any]]

_catalog: LimbCatalog | None = None
_team_work: TeamWork | None = None


def set_limb_catalog(catalog: LimbCatalog) -> None:
    global _catalog
    _catalog = catalog


def limb_catalog() -> LimbCatalog:
    if _catalog is None:
        raise RuntimeError("No limb catalogue: the limbs app sets it in its ready().")
    return _catalog


def set_team_work(work: TeamWork) -> None:
    """``work(team)`` gives what the team page shows of the team's work (its context)."""
    global _team_work
    _team_work = work


def team_work(team: Team) -> Mapping[str, Any]:
    if _team_work is None:
        raise RuntimeError("No team work: the limbs app sets it in its ready().")
    return _team_work(team)


@dataclass(frozen=True)
class StorageUsage:
    """The bytes of files an identity keeps, against its tier's quota."""

    used_bytes: int
    quota_bytes: int

    @property
    def used_mb(self) -> float:
        return self.used_bytes / (1024 * 1024)

    @property
    def quota_mb(self) -> int:
        return self.quota_bytes // (1024 * 1024)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used_bytes / self.quota_bytes)) if self.quota_bytes else 100


class Files(Protocol):
    """What accounts asks of the files the limbs keep (their assets' blobs)."""

    def usage(self, user: User) -> StorageUsage:
        """What ``user``'s own assets take (a file kept twice counts once) and the quota."""
        ...

    def files_of(self, user_ids: Iterable[int], team_ids: Iterable[int]) -> set[str]:
        """The stored files (blob names) the work of these users and teams holds."""
        ...

    def release(self, names: Iterable[str], unused_since: datetime) -> int:
        """Delete those of ``names`` nothing refers to any more and nobody stored again since
        ``unused_since``; the number of bytes freed."""
        ...


_files: Files | None = None


def set_files(files: Files) -> None:
    global _files
    _files = files


def files() -> Files:
    if _files is None:
        raise RuntimeError("No file keeper: the limbs app sets it in its ready().")
    return _files


def storage_usage(user: User) -> StorageUsage:
    return files().usage(user)
