"""The small request/response/route types every endpoint module uses."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .hub import Hub
from .state import ApiError, Pull, Repo, invalid


@dataclass
class Request:
    hub: Hub
    method: str
    path: str
    query: dict[str, str]
    body: Any
    login: str
    params: dict[str, str] = field(default_factory=dict)

    def repo(self) -> Repo:
        return self.hub.repo(self.params["owner"], self.params["repo"])

    def pull(self) -> tuple[Repo, Pull]:
        repo = self.repo()
        return repo, repo.pull(self.number())

    def number(self) -> int:
        try:
            return int(self.params["number"])
        except ValueError:
            raise ApiError(404, "Not Found") from None

    def number_param(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise ApiError(404, "Not Found") from None

    def obj(self) -> dict[str, Any]:
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise ApiError(400, "Problems parsing JSON")
        return self.body

    def need(self, key: str, kind: type | tuple[type, ...] = str, resource: str = "") -> Any:
        value = self.obj().get(key)
        if value is None:
            raise invalid({"resource": resource, "field": key, "code": "missing_field"})
        if not isinstance(value, kind):
            raise invalid({"resource": resource, "field": key, "code": "invalid"})
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.query.get(key, self.obj().get(key) if isinstance(self.body, dict) else None)
        if value is None:
            return default
        return value in (True, 1, "1", "true", "True")


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    paginate: str | None = None  # list to paginate: "" for a list body, else the key holding it


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: Handler
    reserved: re.Pattern[str] | None = None

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method or (self.reserved is not None and self.reserved.search(path)):
            return None
        found = self.regex.fullmatch(path)
        return {k: unquote(v) for k, v in found.groupdict().items()} if found else None


def route(method: str, template: str, handler: Handler, *, reserved: tuple[str, ...] = ()) -> Route:
    """`{name}` matches one path segment, `{name+}` one or more, `{name*}` zero or more. A path ending
    in one of the `reserved` segments (GitHub's sub-resources, e.g. `commits/{ref}/status`) never
    matches, so a multi-segment parameter cannot swallow a route the emulator lacks."""
    parts = re.split(r"\{(\w+)([+*]?)\}", template)
    pattern = re.escape(parts[0])
    for name, mod, literal in zip(parts[1::3], parts[2::3], parts[3::3]):
        pattern += f"(?P<{name}>{_SEGMENT[mod]})" + re.escape(literal)
    refuse = re.compile(f"/(?:{'|'.join(map(re.escape, reserved))})$") if reserved else None
    return Route(method, template, re.compile(pattern), handler, refuse)


_SEGMENT = {"": "[^/]+", "+": ".+", "*": ".*"}
