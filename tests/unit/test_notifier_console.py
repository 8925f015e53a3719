"""The demo's notifier: a digest printed as one readable block."""
from __future__ import annotations

import io

from skillfleet.adapters.notifier_console import ConsoleNotifier
from skillfleet.ports import Digest


def test_a_digest_prints_as_one_block_with_counts_and_capped_lines() -> None:
    out = io.StringIO()
    digest = Digest(title="code-review 1.2.0 merged", kind="merged", release="code-review@1.2.0",
                    lines=tuple(f"svc-{i}: merged" for i in range(7)), counts={"merged": 7, "open": 2})
    ConsoleNotifier(out, max_lines=5).send_digest(digest)
    text = out.getvalue()
    assert text.startswith("┌─ code-review 1.2.0 merged\n")
    assert "merged · code-review@1.2.0" in text and "merged: 7  open: 2" in text
    assert "• svc-4: merged" in text and "svc-5" not in text and "…and 2 more" in text
