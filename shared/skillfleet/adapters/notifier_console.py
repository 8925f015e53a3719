"""Digests printed to a terminal, for the demo and local runs."""
from __future__ import annotations

import sys
from typing import TextIO

from ..ports import Digest


class ConsoleNotifier:
    def __init__(self, stream: TextIO | None = None, *, max_lines: int = 50) -> None:
        self._stream = stream
        self._max_lines = max_lines

    def send_digest(self, digest: Digest) -> None:
        out = self._stream or sys.stdout
        print(render(digest, self._max_lines), file=out, flush=True)


def render(digest: Digest, max_lines: int = 50) -> str:
    """A boxed digest: title, release and kind, counts, then up to `max_lines` lines."""
    rows = [f"┌─ {digest.title}", f"│  {digest.kind} · {digest.release}"]
    if digest.counts:
        rows.append("│  " + "  ".join(f"{name}: {count}" for name, count in digest.counts.items()))
    if digest.channel:
        rows.insert(1, f"│  to {digest.channel}")
    rows.extend(f"│  • {line}" for line in digest.lines[:max_lines])
    rows.extend(f"│  → {label}: {url}" for label, url in digest.links[:max_lines])
    hidden = len(digest.lines) - min(len(digest.lines), max_lines)
    if hidden:
        rows.append(f"│  …and {hidden} more")
    rows.append("└─")
    return "\n".join(rows)
