"""Walking a skill's releases by `previous_version`: light (domain and ports only), so record-merge's
team commands and drift-scan share it without importing each other's dependencies."""
from __future__ import annotations

from ..domain.model import Release
from ..ports import Registry

_HISTORY = 50   # yanked releases walked back over, at most


def proposable_release(registry: Registry, skill: str) -> Release | None:
    """The newest release of `skill` that is not yanked (a rolled-back version is never proposed again)."""
    release, seen = registry.latest_release(skill), 0
    while release is not None and release.yanked and seen < _HISTORY:
        previous, seen = release.previous_version, seen + 1
        release = registry.get_release(skill, previous) if previous else None
    return None if release is None or release.yanked else release
