"""`skillfleet demo --slack-log FILE`: each digest sent is a JSON line; a failed send is not logged."""
from __future__ import annotations

import json

import pytest
from fakes import FakeNotifier
from skillfleet.ports import Digest
from skillfleet_dev.demo.slack_log import SlackLog


def test_each_sent_digest_is_one_json_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    inner, path = FakeNotifier(), tmp_path / "build" / "slack.jsonl"
    log = SlackLog(inner, path)
    log.send_digest(Digest(title="s v2: 3 PRs opened", kind="prs-opened", release="s@2", counts={"clean": 3},
                           links=(("a #1", "https://github.test/a/pull/1"),)))
    inner.send_digest = lambda d: (_ for _ in ()).throw(ConnectionError("down"))  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        log.send_digest(Digest(title="x", kind="escalated", release="s@2"))
    [line] = [json.loads(x) for x in path.read_text().splitlines()]
    assert line["kind"] == "prs-opened" and line["counts"] == {"clean": 3}
    assert line["links"] == [{"label": "a #1", "url": "https://github.test/a/pull/1"}]
