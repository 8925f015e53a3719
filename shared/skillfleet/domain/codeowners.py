"""Who owns a path by CODEOWNERS (GitHub's rules: gitignore-like patterns, the last match wins). Pure."""
from __future__ import annotations

import re
from collections.abc import Iterable

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


def owners(text: str, paths: Iterable[str]) -> list[str]:
    """The owners (`@user`, `@org/team`) of any of `paths`, in first-seen order."""
    rules = [(_regex(pattern), found) for pattern, *found in
             (line.split(" #", 1)[0].split() for line in text.splitlines() if not line.lstrip().startswith("#"))
             if found]
    seen: dict[str, None] = {}
    for path in paths:
        match = next((found for regex, found in reversed(rules) if regex.fullmatch(path)), [])
        seen.update(dict.fromkeys(o for o in match if o.startswith("@")))
    return list(seen)


def _regex(pattern: str) -> re.Pattern[str]:
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = re.escape(pattern.strip("/")).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
    body = body.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
    children = "" if pattern.endswith("/*") else "(?:/.*)?"      # a directory owns everything below it
    return re.compile(("" if anchored else "(?:.*/)?") + body + children)
