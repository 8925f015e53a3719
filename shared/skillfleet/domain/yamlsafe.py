"""Safe YAML loading for untrusted input: no tags, bounded size, alias bombs refused.

An alias bomb ("billion laughs") is a few hundred bytes whose aliases expand to billions of
nodes. The composer keeps an alias as a reference to the anchored node, so the node graph stays
as small as the text; `check` measures the *expanded* size on that graph (memoized per node, so
it costs one pass over the text, never the expansion) and refuses the document before anything
is constructed. Recursive aliases (a node containing itself) are refused too.

`check` is also what other YAML readers (the round-trip loader of the merge engine) call on
managed files before loading them.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from .errors import UserError

MAX_YAML_BYTES = 1_048_576
MAX_NODES = 100_000
MAX_DEPTH = 100     # nesting levels; the composer recurses per level, so deeper input must not reach it


def load(text: str, *, where: str, max_nodes: int = MAX_NODES, line_offset: int = 0) -> Any:
    """Parse one YAML document safely (plain data only) after `check`.

    `line_offset`: lines before `text` in its file (a frontmatter), so errors cite real lines."""
    check(text, where=where, max_nodes=max_nodes, line_offset=line_offset)
    try:
        return _safe().load(text)
    except YAMLError as exc:
        raise UserError(f"{where}: invalid YAML{_brief(exc, line_offset)}") from None


def load_all(text: str, *, where: str, max_nodes: int = MAX_NODES) -> list[Any]:
    """Parse every document of a multi-document YAML stream safely."""
    check(text, where=where, max_nodes=max_nodes)
    try:
        return list(_safe().load_all(text))
    except YAMLError as exc:
        raise UserError(f"{where}: invalid YAML{_brief(exc, 0)}") from None


def check(text: str, *, where: str, max_nodes: int = MAX_NODES, line_offset: int = 0) -> None:
    """Refuse YAML that is too large, malformed, or expands past `max_nodes` through aliases."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise UserError(f"{where}: YAML is larger than {MAX_YAML_BYTES} bytes; split or shrink it")
    try:
        check_depth(text, where=where, line_offset=line_offset)
        documents = list(_safe().compose_all(text))
    except YAMLError as exc:
        raise UserError(f"{where}: invalid YAML{_brief(exc, line_offset)}") from None
    except RecursionError:      # a second line of defence: never a crash
        raise _too_deep(where, MAX_DEPTH, None) from None
    total = 0
    for doc in documents:
        if doc is not None:
            total += expanded_size(doc, where=where, limit=max_nodes)
        if total > max_nodes:
            raise _too_big(where, max_nodes)


def check_depth(text: str, *, where: str, limit: int = MAX_DEPTH, line_offset: int = 0) -> None:
    """Refuse YAML nested deeper than `limit`, measured on the parser's events (an iterative state
    machine, so a million `[` cost a loop, not a stack)."""
    depth = 0
    for event in _safe().parse(text):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > limit:
                mark = event.start_mark
                raise _too_deep(where, limit, None if mark is None else mark.line + 1 + line_offset)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


def _too_deep(where: str, limit: int, line: int | None) -> UserError:
    at = "" if line is None else f" at line {line}"
    return UserError(f"{where}: YAML is nested more than {limit} levels deep{at}; flatten it (no real "
                     "configuration nests that deep)")


def expanded_size(root: Node, *, where: str, limit: int = MAX_NODES) -> int:
    """Number of nodes `root` expands to once every alias is replaced by its content."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in _children(node))
            if sizes[key] > limit:
                raise _too_big(where, limit)
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise UserError(
                f"{where}: YAML contains a recursive alias (a node that includes itself); "
                "replace the alias with the content it should repeat"
            )
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: Node) -> Iterable[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return ()


def _too_big(where: str, limit: int) -> UserError:
    return UserError(
        f"{where}: YAML expands to more than {limit} nodes through anchors and aliases "
        "(an alias bomb?); remove the aliases that repeat content or write the content out"
    )


def _safe() -> YAML:
    return YAML(typ="safe", pure=True)


def _brief(exc: YAMLError, line_offset: int) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None or not problem:
        return ": " + " ".join(str(exc).split())[:300]
    return f" at line {mark.line + 1 + line_offset}, column {mark.column + 1}: {problem}"
