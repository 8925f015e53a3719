"""Value helpers for the structural merge: absence, type-strict equality, plain copies, similarity."""
from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from ruamel.yaml.comments import TaggedScalar


class _Missing:
    """A value that is absent on one side (distinct from YAML null); use the one MISSING."""

    def __repr__(self) -> str:
        return "<absent>"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()


def is_map(x: Any) -> bool:
    return isinstance(x, Mapping)


def is_list(x: Any) -> bool:
    return isinstance(x, list)


def is_scalar(x: Any) -> bool:
    return not is_map(x) and not is_list(x) and x is not MISSING


def plain(x: Any) -> Any:
    """A plain JSON-able copy (ruamel's commented containers and scalar subclasses unwrapped)."""
    if x is MISSING:
        return None
    if is_map(x):
        return {str(k): plain(v) for k, v in x.items()}
    if is_list(x):
        return [plain(v) for v in x]
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return float(x)
    if isinstance(x, str):
        return str(x)
    if isinstance(x, (_dt.date, _dt.datetime)):
        return x.isoformat()
    if isinstance(x, TaggedScalar):
        return f"{x.tag.value} {x.value}"
    return str(x)


def _kind(x: Any) -> str:
    if isinstance(x, TaggedScalar):
        return f"tagged {x.tag.value}"
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, (int, float)):
        return "num"
    if isinstance(x, str):
        return "str"
    if is_map(x):
        return "map"
    if is_list(x):
        return "list"
    return type(x).__name__


def same(a: Any, b: Any) -> bool:
    """Deep equality that tells true from 1 and ignores formatting (map key order, quoting)."""
    if a is b:
        return True
    if a is MISSING or b is MISSING or _kind(a) != _kind(b):
        return False
    if is_map(a):
        return len(a) == len(b) and all(k in b and same(v, b[k]) for k, v in a.items())
    if is_list(a):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, TaggedScalar):   # `!Ref x`: the tag is in the kind, compare the text
        return bool(a.value == b.value)
    return bool(a == b)


def canon(x: Any) -> str:
    """A hashable fingerprint of a value's content (map key order ignored)."""
    try:   # json's C encoder walks the value itself; plain() is only for what it cannot sort
        return json.dumps(x, sort_keys=True, ensure_ascii=False, default=_plain_leaf)
    except TypeError:
        return json.dumps(plain(x), sort_keys=True, ensure_ascii=False)


def _plain_leaf(x: Any) -> Any:
    return plain(x)


_IMAGE = re.compile(r"([\w.\-]+(?::\d+(?=/))?(?:/[\w.\-]+)*)(?::[\w.\-]+)?(?:@sha256:[0-9a-f]+)?")
_IMAGE_KEYS = (".name", ".image")


def _leaves(x: Any, prefix: str, out: set[tuple[str, str]]) -> set[tuple[str, str]]:
    if is_map(x):
        for k, v in x.items():
            _leaves(v, f"{prefix}.{k}", out)
    elif is_list(x):
        for v in x:
            _leaves(v, prefix + "[]", out)
    else:
        out.add((prefix, canon(x)))
        image = _IMAGE.fullmatch(x) if isinstance(x, str) and prefix.endswith(_IMAGE_KEYS) else None
        if image:  # a container image counts once more without its tag: tag bumps stay similar
            out.add((prefix + "#repository", image.group(1)))
    return out


def similarity(a: Any, b: Any) -> float:
    """Jaccard similarity of the (path, value) leaves of two values, 0..1."""
    la, lb = _leaves(a, "", set()), _leaves(b, "", set())
    union = la | lb
    return len(la & lb) / len(union) if union else 1.0


def short(x: Any, limit: int = 60) -> str:
    text = "absent" if x is MISSING else json.dumps(plain(x), ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."
