"""The structural 3-way merge that keeps every service customization.

    merge(base, ours, theirs, fmt="yaml", owned=["steps[id=custom-*]"]) -> MergeResult

YAML (ruamel round-trip: comments, key order, quoting kept) and JSON merge structurally: maps
by key, lists of maps by element identity (Cloud Build steps by `id`, a content-based fallback
without one), lists of scalars as ordered sets, deletions honoured. Text is a line diff3.
A conflict is a structured record and ours' value stays in the output, which always parses.
"""
from __future__ import annotations

from .engine import FORMATS, Format, merge
from .owned import Item, Path, Segment, check_patterns, format_path, matches_owned
from .result import Conflict, MergeResult

__all__ = [
    "FORMATS", "Conflict", "Format", "Item", "MergeResult", "Path", "Segment",
    "check_patterns", "format_path", "matches_owned", "merge",
]
