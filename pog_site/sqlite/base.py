"""Django's SQLite backend, with the one write lock queued in this process instead of in SQLite.

SQLite lets one connection write at a time. A connection that finds the write lock taken
retries on SQLite's busy handler, which sleeps between tries for up to 100 ms at a time
and does not wake when the lock is freed. Under load (dozens of request and job threads,
each with its own connection, each storing a generation) most of a writer's time went to
those sleeps: the profile of ``bench/load.py`` showed the job threads waiting in
``BEGIN IMMEDIATE`` far longer than they wrote, while the generator processes sat idle.

Here every connection to the same database file takes a lock before it writes: at
``BEGIN`` for a transaction (held until its ``COMMIT`` or ``ROLLBACK``), and around the
statement for a lone write in autocommit. The lock is two: a Python lock that the threads
of one process queue on, first come first served, and then an ``flock`` on a file beside
the database that the processes queue on (the server and its job processes, a
``manage.py`` command). A writer waiting for either blocks without the interpreter lock
and wakes the moment it is released; a process that dies frees its ``flock`` with it.
A writer that waited longer than the connection's ``timeout`` for this process's lock
goes ahead and lets SQLite decide, as if the lock did not exist, so no wait here is ever
much longer than SQLite's own would be.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import threading
from collections.abc import Callable
from typing import Any

from django.db.backends.sqlite3 import base

from pog_site import turns

log = logging.getLogger(__name__)

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


class WriteLock:
    """A database file's write lock: this process's threads queue on a Python lock, and
    its holder then takes an ``flock`` on ``<database>-writer.lock``, which the processes
    queue on. Held by one thread of one process at a time."""

    def __init__(self, name: str) -> None:
        self.path = f"{name}-writer.lock"
        self._local = threading.Lock()
        self._fd: int | None = None

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if not self._local.acquire(blocking, timeout if blocking else -1):
            return False
        try:
            if blocking:
                fcntl.flock(self._file(), fcntl.LOCK_EX)  # waits without the interpreter lock
            else:
                fcntl.flock(self._file(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._local.release()
            return False
        except OSError:
            # No lock file (a read-only folder): this process's lock alone, SQLite's busy
            # handler between processes, as before.
            log.warning("could not lock %s; writing with this process's lock only", self.path, exc_info=True)
        except BaseException:
            self._local.release()
            raise
        return True

    def release(self) -> None:
        try:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._local.release()

    def forget(self) -> None:
        """In a forked child: drop the inherited descriptor without unlocking (it shares
        the parent's lock; the parent unlocks it)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


# One lock per database file.
_locks: dict[str, WriteLock] = {}
_locks_guard = threading.Lock()


def _lock_for(name: str) -> WriteLock:
    with _locks_guard:
        lock = _locks.get(name)
        if lock is None:
            lock = _locks[name] = WriteLock(name)
        return lock


def _forget_locks() -> None:
    """A forked child (a test's live server) must not inherit a lock another thread held."""
    global _locks_guard
    _locks_guard = threading.Lock()
    for lock in _locks.values():
        lock.forget()
    _locks.clear()


os.register_at_fork(after_in_child=_forget_locks)


def is_write(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(_WRITES)


class DatabaseWrapper(base.DatabaseWrapper):
    """Takes this process's write lock for the database file before SQLite's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writing: WriteLock | None = None  # the lock this connection holds
        self._turn_away = False  # this thread gave its turn back to wait for the lock

    # --- the lock ------------------------------------------------------------------------

    def _write_lock(self) -> WriteLock | None:
        """The lock for this database file; None for an in-memory database (one connection)."""
        if self.is_in_memory_db():
            return None
        return _lock_for(str(self.settings_dict["NAME"]))

    def _take(self) -> None:
        lock = self._write_lock()
        if lock is None or self._writing is not None:
            return
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if lock.acquire(blocking=False):
            self._writing = lock
            return
        # Someone else writes: wait without holding a turn at the interpreter (the writer may
        # need one to finish its transaction). Once the lock is ours, write at once without
        # queueing for a turn: every thread waiting for a turn would otherwise wait for this
        # lock too. The turn is taken again when the lock is given back.
        self._turn_away = turns.step_away()
        taken = lock.acquire(timeout=timeout)
        if taken:
            self._writing = lock
            turns.computing_away()
        else:
            log.warning("waited %.0f s for the database's write lock in this process; going ahead", timeout)
            self._come_back()

    def _come_back(self) -> None:
        if self._turn_away:
            self._turn_away = False
            turns.step_back()

    def _give_back(self) -> None:
        lock, self._writing = self._writing, None
        if lock is not None:
            lock.release()
        self._come_back()

    def _settle(self) -> None:
        """Give the lock back once the connection is out of its transaction."""
        if self.connection is None or not self.connection.in_transaction:
            self._give_back()

    # --- transactions ----------------------------------------------------------------------

    def _start_transaction_under_autocommit(self) -> None:
        self._take()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._settle()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._settle()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._settle()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._give_back()

    def create_cursor(self, name: str | None = None) -> Any:
        cursor = self.connection.cursor(factory=_LockingCursor)
        cursor.owner = self
        return cursor


class _LockingCursor(base.SQLiteCursorWrapper):
    """A lone write in autocommit takes the write lock for its one statement.

    A write that returns rows (``INSERT ... RETURNING``, as Django's inserts are) holds SQLite's
    write lock until its last row has been read, even in autocommit. Its rows are read at once,
    before the lock here is given back: otherwise the next writer let in here waits in SQLite's
    busy handler while this thread, having given its lock back, queues for a turn before it
    reads the row that would end the statement (with one busy thread: a 30 s stall).
    """

    owner: DatabaseWrapper
    _rows: list[Any] | None = None  # the rows of a returning write, read already

    def _alone(self, sql: str) -> bool:
        owner = self.owner
        return owner._writing is None and not self.connection.in_transaction and is_write(sql)

    def _run(self, query: str, run: Callable[[], Any]) -> Any:
        self._rows = None
        if not self._alone(query):
            return run()
        self.owner._take()
        try:
            result = run()
            if _RETURNING.search(query):
                self._rows = list(base.SQLiteCursorWrapper.fetchall(self))
            return result
        finally:
            self.owner._settle()

    def execute(self, query: str, params: Any = None) -> Any:
        return self._run(query, lambda: super(_LockingCursor, self).execute(query, params))

    def executemany(self, query: str, param_list: Any) -> Any:
        return self._run(query, lambda: super(_LockingCursor, self).executemany(query, param_list))

    def fetchone(self) -> Any:
        if self._rows is not None:
            return self._rows.pop(0) if self._rows else None
        return super().fetchone()

    def fetchmany(self, size: int | None = None) -> list[Any]:
        if self._rows is not None:
            count = self.arraysize if size is None else size
            taken, self._rows = self._rows[:count], self._rows[count:]
            return taken
        return super().fetchmany(self.arraysize if size is None else size)

    def fetchall(self) -> list[Any]:
        if self._rows is not None:
            taken, self._rows = self._rows, []
            return taken
        return super().fetchall()

    def __next__(self) -> Any:
        if self._rows is not None:
            if not self._rows:
                raise StopIteration
            return self._rows.pop(0)
        return super().__next__()
