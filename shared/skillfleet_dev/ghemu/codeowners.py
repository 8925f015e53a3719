"""CODEOWNERS: where GitHub looks for it, how its patterns match, who owns a path (last match wins)."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
_OWNER = re.compile(r"^(@[A-Za-z0-9_.\[\]-]+(/[A-Za-z0-9_.-]+)?|[^@\s]+@[^@\s]+)$")


@dataclass(frozen=True)
class Rule:
    pattern: str
    regex: re.Pattern[str]
    owners: tuple[str, ...]
    dir_only_children: bool  # "docs/*": files directly in docs/, not deeper


def parse(text: str) -> list[Rule]:
    """Rules in file order; an invalid line makes GitHub ignore the whole file, so [] then."""
    rules = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        pattern, *owners = line.split()
        if pattern.startswith("!") or "[" in pattern or not all(_OWNER.match(o) for o in owners):
            return []
        rules.append(Rule(pattern, _compile(pattern), tuple(owners), pattern.endswith("/*")))
    return rules


def owners_of(rules: list[Rule], path: str) -> tuple[str, ...]:
    for rule in reversed(rules):
        if _matches(rule, path):
            return rule.owners
    return ()


def owners_of_paths(rules: list[Rule], paths: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for path in paths:
        for owner in owners_of(rules, path):
            seen.setdefault(owner, None)
    return list(seen)


def _matches(rule: Rule, path: str) -> bool:
    if rule.regex.fullmatch(path):
        return True
    if rule.dir_only_children:
        return False
    parts = path.split("/")
    return any(rule.regex.fullmatch("/".join(parts[:i])) for i in range(1, len(parts)))


def _compile(pattern: str) -> re.Pattern[str]:
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    out = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(prefix + "".join(out))
