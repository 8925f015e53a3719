"""Run an action once per (scope, key), across redeliveries and processes.

The registry's `first_time` claims the key; when the action fails the key is forgotten again, so
the retry that Pub/Sub (or GitHub) sends next is let through instead of being dropped as a repeat.
"""
from __future__ import annotations

from collections.abc import Callable

from .ports import RunOnceGuard


def once(guard: RunOnceGuard, scope: str, key: str, act: Callable[[], object]) -> bool:
    """Run `act` the first time (scope, key) is seen and return True; False (and no call) on a repeat.

    An exception from `act` forgets the key and propagates.
    """
    if not guard.first_time(scope, key):
        return False
    try:
        act()
    except BaseException:
        guard.forget(scope, key)
        raise
    return True
