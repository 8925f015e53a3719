"""A pooled connection that heals: when the first statement of a transaction fails because the
connection died (a failover, a restart, pg_terminate_backend), it runs once more on a fresh
connection. That is safe: nothing of the transaction was done yet and nothing was read, and every
registry write is idempotent by its natural key anyway. A connection that dies later in a
transaction, or during commit, raises TransientError (the delivery policy retries the whole
message); the dead connection is never given back to the pool.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...domain.errors import TransientError

IsConnectionError = Callable[[BaseException], bool]


class Healing:
    """DB-API connection proxy: cursor(), commit(), rollback(), close(); the rest is delegated."""

    def __init__(self, raw: Any, reconnect: Callable[[], Any], is_connection_error: IsConnectionError) -> None:
        self.raw = raw
        self.broken = False
        self.healed = 0                      # how many times a fresh connection took over
        self._reconnect = reconnect
        self._is_lost = is_connection_error
        self._fresh = True                   # no statement yet in the current transaction

    def cursor(self) -> _Cursor:
        return _Cursor(self)

    def commit(self) -> None:
        self._finish(self.raw.commit, "while committing (the change may or may not have been saved)")

    def rollback(self) -> None:
        if self.broken:
            self._fresh = True               # the server ended the transaction with the session
            return
        self._finish(self.raw.rollback, "while rolling back")

    def close(self) -> None:
        self.raw.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

    def _finish(self, step: Callable[[], None], when: str) -> None:
        try:
            step()
        except Exception as exc:
            if self._is_lost(exc):
                raise self._lost(exc, when) from exc
            raise
        finally:
            self._fresh = True

    def _execute(self, cur: _Cursor, sql: str, params: tuple[Any, ...]) -> None:
        try:
            cur.raw.execute(sql, *params)
        except Exception as exc:
            if not self._is_lost(exc):
                raise
            if not self._fresh or not self._heal():
                raise self._lost(exc, "in the middle of a transaction") from exc
            cur.raw = self.raw.cursor()
            self._retry(cur, sql, params)
        self._fresh = False

    def _retry(self, cur: _Cursor, sql: str, params: tuple[Any, ...]) -> None:
        try:
            cur.raw.execute(sql, *params)
        except Exception as exc:
            if self._is_lost(exc):
                raise self._lost(exc, "again on a fresh connection") from exc
            raise

    def _heal(self) -> bool:
        try:
            fresh = self._reconnect()
        except Exception:  # noqa: BLE001 - the server is still away: a transient failure
            return False
        _quietly_close(self.raw)
        self.raw, self.broken = fresh, False
        self.healed += 1
        return True

    def _lost(self, exc: BaseException, when: str) -> TransientError:
        self.broken = True
        return TransientError(f"the registry connection was lost {when} ({type(exc).__name__}: {exc}); "
                              "the work is retried on a fresh connection")


class _Cursor:
    def __init__(self, conn: Healing) -> None:
        self._conn = conn
        self.raw = conn.raw.cursor()

    def execute(self, sql: str, *params: Any) -> None:
        self._conn._execute(self, sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def _quietly_close(conn: Any) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001, S110 - closing a dead connection may fail; it is gone either way
        pass
