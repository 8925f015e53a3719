"""A port built on first use: a function that never calls GitHub never imports PyGithub.

bootstrap wires every App with the same adapters; which of them an instance really touches depends
on the function. The proxy builds its adapter (once, under a lock) on the first attribute read.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

T = TypeVar("T")


class _Lazy:
    def __init__(self, build: Callable[[], Any]) -> None:
        object.__setattr__(self, "_build", build)
        object.__setattr__(self, "_built", None)
        object.__setattr__(self, "_lock", threading.Lock())

    def _target(self) -> Any:
        with self._lock:
            if self._built is None:
                object.__setattr__(self, "_built", self._build())
            return self._built

    def __getattr__(self, name: str) -> Any:   # only for names the proxy itself does not have
        return getattr(self._target(), name)

    def __repr__(self) -> str:
        return repr(self._built) if self._built is not None else f"lazy({getattr(self._build, '__name__', '?')})"


def lazy(build: Callable[[], T]) -> T:
    """`build()` on first use, typed as what it builds."""
    return cast(T, _Lazy(build))


def unwrap(port: T) -> T:
    """What a `lazy` port stands for, built now (a port that is not lazy is returned as is)."""
    return cast(T, port._target()) if isinstance(port, _Lazy) else port
