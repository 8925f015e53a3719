"""Safe YAML loading for untrusted input: no tags, bounded size, alias bombs refused."""
from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from .errors import UserError

MAX_YAML_BYTES = 1_000_000
MAX_NODES = 100_000


def load(text: str, *, where: str) -> Any:
    if len(text.encode()) > MAX_YAML_BYTES:
        raise UserError(f"{where}: YAML is larger than {MAX_YAML_BYTES} bytes; split or shrink it")
    yaml = YAML(typ="safe", pure=True)
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        raise UserError(f"{where}: invalid YAML: {exc}".replace("\n", " ")) from None
    _check_size(data, where)
    return data


def _check_size(data: Any, where: str) -> None:
    # aliases make a small document expand into a huge graph ("billion laughs"); count the
    # expanded nodes, visiting shared objects each time, and stop early
    seen = 0
    stack = [data]
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise UserError(
                f"{where}: YAML expands to more than {MAX_NODES} nodes (an alias bomb?); "
                "remove the anchors/aliases that repeat content"
            )
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
