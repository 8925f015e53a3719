"""A tiny thread-safe connection pool (DB-API connections; no SQLAlchemy).

A thread borrows a connection for one transaction and gives it back. At most `size`
connections exist; a borrower waits up to `timeout` seconds for one. A connection idle for longer than
`max_idle` is checked (a ping) before it is handed out, and one that failed mid-use or outlived
`max_age` is replaced: after a failover or a server restart the pool does not hand out a dead session.
One given back less than `max_idle` ago (half a second, HikariCP's `aliveBypassWindowMs`) is handed
out unpinged: under load a ping per transaction doubled the round trips, and a session that died in
that window is caught by `Healing` below, which reruns the transaction's first statement.

What the borrower gets is a `Healing` connection (healing.py): the first statement of a
transaction that fails because the connection died runs again once on a fresh connection.
"""
from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ...domain.errors import TransientError
from .healing import Healing, IsConnectionError

Connect = Callable[[], Any]


@dataclass
class _Slot:
    conn: Any
    created: float
    returned: float


class ConnectionPool:
    def __init__(self, connect: Connect, size: int, *, timeout: float = 30.0,
                 max_idle: float = 0.5, max_age: float = 1800.0,
                 is_connection_error: IsConnectionError = lambda exc: False) -> None:
        self._connect = connect
        self._is_connection_error = is_connection_error
        self._size = max(1, size)
        self._timeout = timeout
        self._max_idle = max_idle
        self._max_age = max_age
        self._idle: list[_Slot] = []
        self._open = 0
        self._closed = False
        self._cond = threading.Condition()

    @property
    def size(self) -> int:
        return self._size

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        slot = self._acquire()
        conn = Healing(slot.conn, self._replace, self._is_connection_error)
        healthy = False
        try:
            yield conn
            healthy = not conn.broken
        finally:
            slot.conn = conn.raw          # it may have been replaced by a fresh one
            if not healthy:
                healthy = not conn.broken and _rollback(slot.conn)
            self._release(slot, healthy)

    def _replace(self) -> Any:
        """A fresh connection in place of a dead one (the slot keeps its room in the pool)."""
        return self._connect()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._cond.notify_all()
        for slot in idle:
            _close(slot.conn)

    def _acquire(self) -> _Slot:
        slot = self._reserve()
        if slot is not None and self._usable(slot):
            return slot
        if slot is not None:
            _close(slot.conn)
        try:
            now = time.monotonic()
            return _Slot(self._connect(), now, now)
        except BaseException:
            self._forget()
            raise

    def _reserve(self) -> _Slot | None:
        """An idle slot, or None after reserving room for a new connection."""
        deadline = time.monotonic() + self._timeout
        with self._cond:
            while True:
                if self._closed:
                    raise TransientError("the database pool is closed; the registry was shut down")
                if self._idle:
                    return self._idle.pop()
                if self._open < self._size:
                    self._open += 1
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TransientError(
                        f"no database connection became free within {self._timeout:.0f}s "
                        f"(pool size {self._size}); raise SKILLFLEET_DB_POOL_SIZE or lower concurrency"
                    )
                self._cond.wait(remaining)

    def _usable(self, slot: _Slot) -> bool:
        now = time.monotonic()
        if now - slot.created > self._max_age:
            return False
        # a session killed by a failover looks idle and healthy: checked unless it was just in use
        return (self._max_idle > 0 and now - slot.returned <= self._max_idle) or _ping(slot.conn)

    def _release(self, slot: _Slot, healthy: bool) -> None:
        with self._cond:
            if healthy and not self._closed:
                slot.returned = time.monotonic()
                self._idle.append(slot)
                self._cond.notify()
                return
        _close(slot.conn)
        self._forget()

    def _forget(self) -> None:
        with self._cond:
            self._open -= 1
            self._cond.notify()


def _ping(conn: Any) -> bool:
    try:
        cur = conn.cursor()
        cur.execute("SELECT 1")
        cur.fetchall()
        conn.rollback()
        return True
    except Exception:  # noqa: BLE001 - any failure means: replace this connection
        return False


def _rollback(conn: Any) -> bool:
    try:
        conn.rollback()
        return True
    except Exception:  # noqa: BLE001 - a connection that cannot roll back is dropped
        return False


def _close(conn: Any) -> None:
    # closing a broken connection may fail; it is gone either way
    with contextlib.suppress(Exception):
        conn.close()
