"""`skillfleet demo --slack-log FILE`: every digest the demo's notifier sent, one JSON object a line."""
from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from skillfleet.ports import Digest, Notifier


class SlackLog:
    """A Notifier that records each digest its inner notifier sent (a failed send is not recorded)."""

    def __init__(self, inner: Notifier, path: Path) -> None:
        self.inner, self.path = inner, path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")

    def send_digest(self, digest: Digest) -> None:
        self.inner.send_digest(digest)
        line = json.dumps({"at": datetime.now(UTC).isoformat(), "kind": digest.kind, "release": digest.release,
                           "channel": digest.channel, "title": digest.title, "counts": dict(digest.counts),
                           "lines": list(digest.lines), "links": [{"label": a, "url": b} for a, b in digest.links]})
        with self._lock, self.path.open("a") as f:
            f.write(line + "\n")
