"""Drift: where a service's managed file differs from what its recorded skill version renders. Pure.

YAML and JSON compare as data (comments and formatting are not drift) with the manifest's
service-owned paths left out; list elements pair by the merge's identity rules (Cloud Build steps
by `id`, other lists by `id`/`name`), the rest by position. Other files compare exactly.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .. import yamlsafe
from ..errors import PermanentError
from ..skill.manifest import ManagedFile
from .identity import Token, element_ids, identity_keys
from .owned import Item, Path, format_path, matches_owned

_GONE: Any = object()


def file_drift(expected: str, actual: str | None, spec: ManagedFile) -> list[str]:
    """Where `actual` differs from the rendered `expected`, outside the service-owned paths."""
    if actual is None:
        return ["(file missing)"]
    if spec.strategy not in ("yaml", "json"):
        return [] if actual == expected else ["(content differs)"]
    try:
        want, have = _parse(expected, spec), _parse(actual, spec)
    except (PermanentError, ValueError) as exc:
        return [f"(cannot compare: {exc})"]
    return diff_paths(want, have, spec.owned)


def _parse(text: str, spec: ManagedFile) -> Any:
    if spec.strategy == "json":
        return json.loads(text)
    return yamlsafe.load(text, where=spec.destination)


def diff_paths(expected: Any, actual: Any, owned: Sequence[str], path: Path = ()) -> list[str]:
    """Paths (merge-engine notation) where two plain data trees differ; owned paths are skipped."""
    if owned and matches_owned(path, owned):
        return []
    if isinstance(expected, dict) and isinstance(actual, dict):
        pairs = {k: (expected.get(k, _GONE), actual.get(k, _GONE)) for k in [*expected, *actual]}
        return _children([((*path, str(k)), e, a) for k, (e, a) in pairs.items()], owned)
    if isinstance(expected, list) and isinstance(actual, list):
        return _children(_pair_elements(expected, actual, path), owned)
    same = type(expected) is type(actual) and expected == actual
    return [] if same else [format_path(path) or "(document)"]


def _children(pairs: list[tuple[Path, Any, Any]], owned: Sequence[str]) -> list[str]:
    out: list[str] = []
    for sub, want, have in pairs:
        if want is not _GONE and have is not _GONE:
            out += diff_paths(want, have, owned, sub)
        elif not (owned and matches_owned(sub, owned)):
            out += _one_sided(sub, want, have, owned)
    return out


def _one_sided(path: Path, want: Any, have: Any, owned: Sequence[str]) -> list[str]:
    """A value only one side has: a container is looked into (it may hold only owned paths)."""
    whole = [f"{format_path(path)} ({'added' if want is _GONE else 'removed'})"]
    present = have if want is _GONE else want
    if not isinstance(present, (dict, list)) or not present:
        return whole
    old, new = (type(present)(), have) if want is _GONE else (want, type(present)())
    inside = diff_paths(old, new, owned, path)
    return whole if inside == diff_paths(old, new, (), path) else inside   # nothing owned inside: one line


def _pair_elements(expected: list[Any], actual: list[Any], path: Path) -> list[tuple[Path, Any, Any]]:
    """List elements paired by identity (the merge's rules), the rest by position."""
    parent = next((s for s in reversed(path) if isinstance(s, str)), None)
    keys = identity_keys(parent)
    want, have = _elements(expected, keys), _elements(actual, keys)
    out: list[tuple[Path, Any, Any]] = []
    for token in [*want, *(t for t in have if t not in want)]:
        w, h = want.get(token), have.get(token)
        item = (h or w or (Item(-1), None))[0]
        out.append(((*path, item), w[1] if w else _GONE, h[1] if h else _GONE))
    return out


def _elements(items: list[Any], keys: tuple[str, ...]) -> dict[Token, tuple[Item, Any]]:
    out: dict[Token, tuple[Item, Any]] = {}
    anon = 0
    for index, (value, token) in enumerate(zip(items, element_ids(items, keys))):
        fields = tuple((str(k), str(v)) for k, v in value.items()
                       if isinstance(v, (str, int, float, bool))) if isinstance(value, dict) else ()
        if token is not None:
            out[token] = (Item(index, token[1], fields), value)
        else:
            out[("at", str(anon))] = (Item(index, None, fields), value)
            anon += 1
    return out
