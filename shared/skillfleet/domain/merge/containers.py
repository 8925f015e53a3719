"""Write merge results back into ours' containers, keeping ruamel's comments with their nodes.

ruamel stores a comment that follows a node on that node's last leaf (`ca.items`, keyed by map
key or list index), although it introduces the *next* node. Before a container's children are
added, removed or reordered, those trailing lines are turned into headers of the next child
(`ca.items[key][1]`), so every header moves and disappears with the node it introduces; what
trailed the last child goes back after the new last child. Plain dicts/lists (JSON) are rebuilt.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from ruamel.yaml.comments import CommentedBase, CommentedMap, CommentedSeq, merge_attrib
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

from .values import is_map, same


def write_map(target: Any, items: Sequence[tuple[Any, Any]], theirs: Any,
              base_comments: frozenset[str] = frozenset()) -> Any:
    if not isinstance(target, CommentedMap):
        return dict(items)
    structural = [k for k, _ in items] != list(target)
    trailing = _normalize(target) if structural else []
    if structural and isinstance(theirs, CommentedMap):
        _normalize(theirs)
    keep = {k for k, _ in items}
    keys = list(target)
    for i, key in enumerate(keys):
        if key not in keep:
            _rescue_comments(target, key, [k for k in keys[i + 1:] if k in keep], trailing, base_comments)
            target.ca.items.pop(key, None)
            del target[key]
    for i, (key, value) in enumerate(items):
        if key not in target:
            target.insert(i, key, value)
            if isinstance(theirs, CommentedMap) and key in theirs.ca.items:
                target.ca.items[key] = copy.copy(theirs.ca.items[key])
        elif _needs_write(target, key, value):
            target[key] = value
    _attach_trailing(target, trailing)
    return target


def _needs_write(target: CommentedMap, key: Any, value: Any) -> bool:
    """An equal value keeps ours' node (its quoting); a key that comes from a `<<: *anchor` merge
    stays inherited when the anchor now gives the merged value."""
    if target[key] is value or same(target[key], value):
        return False
    if key not in target._ok:
        sources = [m for m in getattr(target, merge_attrib, []) if key in m]
        if sources and same(sources[0][key], value):
            dict.__setitem__(target, key, sources[0][key])
            return False
    return True


def write_seq(target: Any, items: Sequence[tuple[Any, int | None, Any]],
              base_comments: frozenset[str] = frozenset()) -> Any:
    """items: (source container, index in it or None, value), in output order."""
    values = [v for _, _, v in items]
    if not isinstance(target, CommentedSeq):
        return values
    if [(src is target, i) for src, i, _ in items] == [(True, i) for i in range(len(target))]:
        for i, value in enumerate(values):
            if target[i] is not value:
                list.__setitem__(target, i, value)
        return target
    trailing = _normalize(target)
    survivors = sorted(i for src, i, _ in items if src is target and i is not None)
    for i in range(len(target)):
        if i not in survivors:
            _rescue_comments(target, i, [j for j in survivors if j > i], trailing, base_comments)
    for src in {id(s): s for s, _, _ in items if s is not target and isinstance(s, CommentedSeq)}.values():
        _normalize(src)
    comments = {pos: copy.copy(src.ca.items[i]) for pos, (src, i, _) in enumerate(items)
                if isinstance(src, CommentedBase) and i in src.ca.items}
    list.__delitem__(target, slice(None))
    list.extend(target, values)
    target.ca.items.clear()
    target.ca.items.update(comments)
    _attach_trailing(target, trailing)
    return target


def _rescue_comments(container: Any, key: Any, later: list[Any], trailing: list[CommentToken],
                     base_comments: frozenset[str]) -> None:
    """A removed node's header lines that the base never had are the service's: keep them."""
    entry = container.ca.items.get(key)
    header = list(entry[1] or []) if entry and len(entry) > 1 else []
    ours = [t for t in header if t.value.strip() and t.value.strip() not in base_comments]
    if not ours:
        return
    if later:
        target = _entry(container, later[0])
        target[1] = ours + list(target[1] or [])
    else:
        trailing[:0] = ours


def _normalize(container: Any) -> list[CommentToken]:
    """Move each child's trailing comment lines into the next child's header; return the last's."""
    keys = list(container) if is_map(container) else list(range(len(container)))
    trailing: list[CommentToken] = []
    for i, key in enumerate(keys):
        lines = _take_following(container, key)
        if lines and i + 1 < len(keys):
            entry = _entry(container, keys[i + 1])
            entry[1] = lines + list(entry[1] or [])
        elif lines:
            trailing = lines
    return trailing


def _entry(container: Any, key: Any) -> list[Any]:
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    while len(entry) < 4:
        entry.append(None)
    return entry  # type: ignore[no-any-return]


def _tail_location(parent: Any, key: Any) -> tuple[Any, Any, int]:
    value: Any = parent[key]
    if isinstance(value, (CommentedMap, CommentedSeq)) and value and not value.fa.flow_style():
        return _tail_location(value, list(value)[-1] if is_map(value) else len(value) - 1)
    return parent, key, (2 if is_map(parent) else 0)


def _take_following(container: Any, key: Any) -> list[CommentToken]:
    holder, hkey, slot = _tail_location(container, key)
    entry = holder.ca.items.get(hkey)
    token = entry[slot] if entry and len(entry) > slot else None
    if token is None:
        return []
    # after a block scalar (| or >) the scalar owns its line break; elsewhere the token starts
    # with the break that ends the leaf's line (or with the leaf's own end-of-line comment)
    block = _is_block_scalar(holder[hkey])
    own, _, rest = token.value.partition("\n") if token.value.startswith("#") else \
        ("", "", token.value if block else token.value[1:])
    lines = [_line_token(line) for line in rest.splitlines()]
    if not lines:
        return []
    if own:
        kept = copy.copy(token)
        kept.value = own + "\n"
        entry[slot] = kept
    else:
        entry[slot] = None
    return lines


def _is_block_scalar(value: Any) -> bool:
    return isinstance(value, (LiteralScalarString, FoldedScalarString))


def _line_token(line: str) -> CommentToken:
    text = line.lstrip()
    column = len(line) - len(text)
    return CommentToken(text + "\n" if text else "\n", CommentMark(column if text else 0), None)


def _attach_trailing(container: Any, lines: list[CommentToken]) -> None:
    if not lines or not container:
        return
    last = list(container)[-1] if is_map(container) else len(container) - 1
    holder, hkey, slot = _tail_location(container, last)
    entry = _entry(holder, hkey)
    text = "".join(" " * t.column + t.value if t.value.strip() else "\n" for t in lines)
    if entry[slot] is None:
        lead = "" if _is_block_scalar(holder[hkey]) else "\n"
        entry[slot] = CommentToken(lead + text, CommentMark(0), None)
    else:
        merged = copy.copy(entry[slot])
        merged.value = merged.value + text
        entry[slot] = merged


