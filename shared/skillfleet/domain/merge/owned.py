"""Paths inside a structured file, and the small pattern language for service-owned paths.

A path is a tuple of segments: a map key (str), or a list element (`Item`). Patterns:

    options.machineType          a key below a key
    substitutions._*             `*` and `?` globs inside one key
    steps[id=custom-*]           list items whose field `id` matches the glob
    steps[id=deploy].env         ...and something inside them
    steps[*]                     any list item
    "weird.key".x                a quoted key is literal (no glob, may hold dots)

A pattern owns the value it names and everything beneath it.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Union

from ..errors import UserError


@dataclass(frozen=True)
class Item:
    """A list element: its identity key (e.g. `id`) when it has one, else its position."""

    index: int
    key: str | None = None
    fields: tuple[tuple[str, str], ...] = ()   # the element's scalar fields, for selectors

    def __str__(self) -> str:
        value = dict(self.fields).get(self.key) if self.key else None
        return f"[{self.key}={value}]" if self.key else f"[{self.index}]"


Segment = Union[str, int, Item]  # noqa: UP007 (a runtime alias)
Path = tuple[Segment, ...]

_PLAIN_KEY = re.compile(r"[^.\[\]\"\s]+")


def format_path(path: Sequence[Segment]) -> str:
    out = ""
    for seg in path:
        if isinstance(seg, Item):
            out += str(seg)
        elif isinstance(seg, int):
            out += f"[{seg}]"
        else:
            key = seg if _PLAIN_KEY.fullmatch(seg) else json.dumps(seg)
            out += f".{key}" if out else key
    return out or "(document)"


@dataclass(frozen=True)
class _Key:
    glob: str
    literal: bool = False

    def matches(self, seg: Segment) -> bool:
        if not isinstance(seg, str):
            return False
        return seg == self.glob if self.literal else fnmatchcase(seg, self.glob)


@dataclass(frozen=True)
class _Select:
    field: str | None          # None: any element
    glob: str = "*"

    def matches(self, seg: Segment) -> bool:
        if isinstance(seg, int):
            return self.field is None
        if not isinstance(seg, Item):
            return False
        return self.field is None or any(k == self.field and fnmatchcase(v, self.glob) for k, v in seg.fields)


_Pattern = tuple[_Key | _Select, ...]
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^.\[\]"]+|\.')


@lru_cache(maxsize=512)
def parse_pattern(pattern: str) -> _Pattern:
    """Parse one owned-path pattern; a UserError says what is wrong with it."""
    tokens = _TOKEN.findall(pattern)
    if not pattern.strip() or "".join(tokens) != pattern:
        raise UserError(f"owned path {pattern!r} is not valid; write keys separated by dots and "
                        "list selectors like steps[id=custom-*]")
    segs: list[_Key | _Select] = []
    expect_key = True
    for tok in tokens:
        if tok == ".":
            if expect_key:
                raise UserError(f"owned path {pattern!r} has an empty key between dots")
            expect_key = True
            continue
        if tok.startswith("["):
            segs.append(_selector(tok, pattern))
        elif not expect_key:
            raise UserError(f"owned path {pattern!r}: put a dot between keys")
        else:
            segs.append(_Key(json.loads(tok), literal=True) if tok.startswith('"') else _Key(tok.strip()))
        expect_key = False
    if expect_key:
        raise UserError(f"owned path {pattern!r} ends with a dot")
    return tuple(segs)


def _selector(tok: str, pattern: str) -> _Select:
    body = tok[1:-1].strip()
    if body == "*":
        return _Select(None)
    field, eq, glob = body.partition("=")
    if not eq or not field.strip() or not glob.strip():
        raise UserError(f"owned path {pattern!r}: a list selector is [key=glob] or [*], not {tok}")
    return _Select(field.strip(), glob.strip())


def _as_segment(seg: Segment) -> Segment:
    # convenience for callers that build paths from text: "[id=build]" means that element
    if isinstance(seg, str) and seg.startswith("[") and seg.endswith("]") and "=" in seg:
        key, _, value = seg[1:-1].partition("=")
        return Item(-1, key, ((key, value),))
    return seg


def matches_owned(path: Sequence[Segment], patterns: Sequence[str]) -> bool:
    """True when `path` is at or below a service-owned pattern."""
    segs = tuple(_as_segment(s) for s in path)
    for pattern in patterns:
        pat = parse_pattern(pattern)
        if len(segs) >= len(pat) and all(p.matches(s) for p, s in zip(pat, segs)):
            return True
    return False


def check_patterns(patterns: Sequence[str]) -> None:
    """Validate owned-path patterns (raises UserError naming the bad one)."""
    for pattern in patterns:
        parse_pattern(pattern)
