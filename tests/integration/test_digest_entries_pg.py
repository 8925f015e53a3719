"""Digest entries on PostgreSQL (the outbox of migrations 0007/0011, no new table): entries recorded under
a group are never sent on their own, and collecting turns them into one digest exactly once, however
many collectors race (as concurrent sla-sweeps do for a rollback's late PRs)."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeNotifier
from skillfleet.outbox import flush_digests
from skillfleet.ports import Digest

pytestmark = pytest.mark.integration
GROUP = "revert-sla:7:reminder"


def entry(n: int) -> tuple[str, Digest]:
    repo = f"acme/svc-{n:03d}"
    return f"7:{repo}#{n}:reminder", Digest(title=repo, kind="rollback-reminder", release="s@1.0.0",
                                            lines=(f"{repo} #{n}",), links=((f"{repo} #{n}", f"https://x/{n}"),))


def rollup(entries: list[Digest]) -> Digest:
    return Digest(title=f"{len(entries)} late", kind="rollback-reminder", release="s@1.0.0",
                  lines=tuple(sorted(line for e in entries for line in e.lines)), counts={"prs": len(entries)})


def test_entries_wait_unsent_and_racing_collectors_make_one_digest_of_them(registry) -> None:
    entries = [entry(n) for n in range(60)]
    assert registry.enqueue_digest_entries(GROUP, entries) == 60
    assert registry.enqueue_digest_entries(GROUP, entries[:10]) == 0      # once ever per key
    slack, later = FakeNotifier(), datetime.now(UTC) + timedelta(days=365)
    assert flush_digests(registry, slack, now=later) == [] and slack.digests == []   # held: never alone

    keys: list[str | None] = []
    def collect() -> None:
        keys.append(registry.collect_digest(GROUP, "digest:revert-sla:7:reminder:t1", rollup))
    threads = [threading.Thread(target=collect) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 6 and [k for k in keys if k] == ["digest:revert-sla:7:reminder:t1"]

    assert flush_digests(registry, slack, now=later) == [] and flush_digests(registry, slack, now=later) == []
    [sent] = slack.digests
    assert sent.counts == {"prs": 60} and len(set(sent.lines)) == 60


def test_an_entry_recorded_after_a_collection_goes_in_the_next_digest_never_twice(registry) -> None:
    registry.enqueue_digest_entries(GROUP, [entry(1), entry(2)])
    key = "digest:revert-sla:7:reminder:t1"
    assert registry.collect_digest(GROUP, key, rollup) == key
    registry.enqueue_digest_entries(GROUP, [entry(1), entry(2), entry(3)])   # a later sweep: only 3 is new
    assert registry.collect_digest(GROUP, key, rollup) is not None           # same sweep key: a key of its own
    assert registry.collect_digest(GROUP, key, rollup) is None
    slack = FakeNotifier()
    flush_digests(registry, slack, now=datetime.now(UTC))
    assert sorted(d.lines for d in slack.digests) == [("acme/svc-001 #1", "acme/svc-002 #2"), ("acme/svc-003 #3",)]
