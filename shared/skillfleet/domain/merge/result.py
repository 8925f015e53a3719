"""What a merge hands back: the text to commit and a structured account of what happened."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Conflict:
    """Both sides changed the same value differently; the output keeps ours' value there.

    `path` is a readable location ("steps[id=build].name", "lines 3-5"); base/ours/theirs are
    plain JSON-able values, None when the value is absent on that side.
    """

    file: str
    path: str
    base: Any
    ours: Any
    theirs: Any
    reason: str = ""


@dataclass(frozen=True)
class MergeResult:
    text: str
    conflicts: tuple[Conflict, ...] = ()
    kept: tuple[str, ...] = ()        # customizations of the service that were kept
    applied: tuple[str, ...] = ()     # upstream changes that were applied

    @property
    def clean(self) -> bool:
        return not self.conflicts
