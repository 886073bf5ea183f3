"""A version stamp of the kill switches, so the check every request makes can skip its query
in the usual case: no switch active at all.

Whoever changes a switch bumps the stamp, at once and again after the transaction commits.
A reader reads the stamp *before* asking the database and trusts its remembered answer
only while the stamp is unchanged (and for at most ``MAX_TRUST_S``, a bound on any stamp
that failed to move). So a switch is seen by the very next request of every process that
shares the database:

* embedded mode (SQLite): a small file next to the database, rewritten by rename;
* scale mode: a Redis key every process reads;
* PostgreSQL without Redis (processes that may not share a disk): no stamp, every check
  asks the database.

Only "nothing is active" is remembered. When any switch is active, the full check runs.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction

from pog_site.state import ProcessDefault

log = logging.getLogger(__name__)

MAX_TRUST_S = 10.0


class Epoch(Protocol):
    def read(self) -> str | None:
        """The current stamp, or None when it cannot be read (then nothing is remembered)."""
        ...

    def bump(self) -> None: ...


class FileEpoch:
    """A random token in a file, replaced by an atomic rename on every change."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> str | None:
        for _ in range(2):
            try:
                return self.path.read_text(encoding="ascii") or None
            except FileNotFoundError:
                self.bump()  # the first use on this disk: make the stamp, then read it
            except (OSError, ValueError):
                return None
        return None

    def bump(self) -> None:
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_text(secrets.token_hex(8), encoding="ascii")
            temporary.replace(self.path)
        except OSError:
            log.warning("could not move the kill-switch stamp %s", self.path, exc_info=True)
            temporary.unlink(missing_ok=True)


class RedisEpoch:
    """A counter in Redis."""

    def __init__(self, url: str, prefix: str, timeout_s: float = 1.0) -> None:
        import redis as redis_lib

        self._errors = redis_lib.RedisError
        self._key = f"{prefix}:killswitch:epoch"
        self._redis: Any = redis_lib.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=timeout_s, socket_timeout=timeout_s
        )

    def read(self) -> str | None:
        try:
            value = self._redis.get(self._key)
            if value is None:
                self._redis.incr(self._key)  # the first use: make the stamp, then read it
                value = self._redis.get(self._key)
        except self._errors:
            return None
        return str(value) if value is not None else None

    def bump(self) -> None:
        try:
            self._redis.incr(self._key)
        except self._errors:
            log.warning("could not move the kill-switch stamp in Redis", exc_info=True)


_epoch: ProcessDefault[Epoch | None] = ProcessDefault(lambda: _choose())
# (stamp, nothing active, when): swapped whole, so readers in any thread see one consistent memo.
_memo: tuple[str, bool, float] | None = None


def default_epoch() -> Epoch | None:
    return _epoch.get()


def _choose() -> Epoch | None:
    if settings.REDIS_URL:
        return RedisEpoch(settings.REDIS_URL, settings.POG_REDIS_PREFIX)
    if connection.vendor == "sqlite":
        return FileEpoch(Path(settings.POG_VAR_DIR) / "killswitch.epoch")
    return None


def use_epoch(epoch: Epoch | None, *, chosen: bool = True) -> None:
    """Swap the stamp (tests); ``chosen=False`` reads the settings again on next use."""
    global _memo
    if chosen:
        _epoch.use(epoch)
    else:
        _epoch.reset()
    _memo = None


def nothing_active(ask: Any) -> bool:
    """Whether no switch is active; ``ask()`` queries the database when the memo cannot answer."""
    global _memo
    epoch = default_epoch()
    stamp = epoch.read() if epoch is not None else None
    memo = _memo
    fresh = memo is not None and time.monotonic() - memo[2] < MAX_TRUST_S
    if stamp is not None and memo is not None and fresh and memo[0] == stamp:
        return memo[1]
    answer = bool(ask())
    if stamp is not None:
        _memo = (stamp, answer, time.monotonic())
    return answer


def changed() -> None:
    """Call whenever a switch is created, changed or deleted: now, and again after commit
    (a reader between the two may have remembered the table as it was before the commit)."""
    epoch = default_epoch()
    if epoch is None:
        return
    epoch.bump()
    transaction.on_commit(epoch.bump)
