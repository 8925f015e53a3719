"""Digests reach Slack as one Block Kit message, through slack-sdk, against a local chat.postMessage."""
from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from skillfleet.adapters.notifier_slack import SlackNotifier
from skillfleet.domain.errors import PermanentError, TransientError
from skillfleet.ports import Digest
from skillfleet_dev.testing.slack_server import SlackServer

pytestmark = pytest.mark.integration

TOKEN = "xoxb-1111-2222-abcdefghijkl"
CHANNEL = "#skills-rollout"
DIGEST = Digest(
    title="code-review 1.2.0: pull requests opened", kind="pr-opened", release="code-review@1.2.0",
    lines=tuple(f"payments-{i:03d}: PR #{i} opened" for i in range(1, 48)),
    counts={"opened": 47, "draft": 3, "conflicts": 1},
)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    with SlackServer(token=TOKEN, channels={CHANNEL}) as server:
        yield server


def notifier(slack: SlackServer, *, token: str = TOKEN, channel: str = CHANNEL, **kw: object) -> SlackNotifier:
    return SlackNotifier(SecretStr(token), channel, slack.base_url, **kw)  # type: ignore[arg-type]


def texts(post_blocks: list[dict[str, object]]) -> list[str]:
    out: list[str] = []
    for block in post_blocks:
        if block["type"] == "context":
            out += [e["text"] for e in block["elements"]]  # type: ignore[attr-defined, index]
    return out


def test_a_digest_is_one_block_kit_message(slack: SlackServer) -> None:
    notifier(slack).send_digest(DIGEST)
    assert len(slack.posts) == 1
    post = slack.posts[0]
    assert post.channel == CHANNEL and "opened 47" in post.text
    kinds = [b["type"] for b in post.blocks]
    assert kinds[:2] == ["header", "section"] and set(kinds[2:]) == {"context"}
    assert post.blocks[0]["text"]["text"] == DIGEST.title
    assert "`code-review@1.2.0`" in post.blocks[1]["text"]["text"]
    assert "*opened* 47" in post.blocks[1]["text"]["text"]


def test_long_digests_are_capped_and_the_rest_summarized(slack: SlackServer) -> None:
    notifier(slack, max_lines=20).send_digest(DIGEST)
    lines = texts(slack.posts[0].blocks)
    assert lines[:20] == [f"payments-{i:03d}: PR #{i} opened" for i in range(1, 21)]
    assert lines[20:] == ["_…and 27 more_"]
    assert all(len(b.get("elements", [])) <= 10 for b in slack.posts[0].blocks)


def test_repo_data_cannot_ping_the_channel_or_forge_links(slack: SlackServer) -> None:
    digest = Digest(title="t", kind="k", release="r", lines=("<!channel> see <https://evil.example|docs> & more",))
    notifier(slack).send_digest(digest)
    assert texts(slack.posts[0].blocks) == ["&lt;!channel&gt; see &lt;https://evil.example|docs&gt; &amp; more"]


def test_a_429_is_honoured_with_retry_after_then_posted_once(slack: SlackServer) -> None:
    slack.rate_limited, slack.retry_after = {1, 2}, 3
    sleeps = Sleeps()
    notifier(slack, sleep=sleeps).send_digest(DIGEST)
    assert sleeps == [3.0, 3.0]
    assert slack.requests == 3 and len(slack.posts) == 1


def test_a_429_that_does_not_clear_is_a_transient_error(slack: SlackServer) -> None:
    slack.rate_limited = set(range(1, 10))
    sleeps = Sleeps()
    with pytest.raises(TransientError, match="Slack answered 429"):
        notifier(slack, sleep=sleeps, max_retries=2).send_digest(DIGEST)
    assert slack.requests == 3 and slack.posts == [] and sleeps == [1.0, 1.0]


def test_a_retry_after_beyond_the_budget_gives_up_at_once(slack: SlackServer) -> None:
    slack.rate_limited, slack.retry_after = {1}, 120
    sleeps = Sleeps()
    with pytest.raises(TransientError):
        notifier(slack, sleep=sleeps, max_wait_seconds=30).send_digest(DIGEST)
    assert sleeps == [] and slack.requests == 1


def test_slack_5xx_is_retried_then_transient(slack: SlackServer) -> None:
    slack.server_errors = {1, 2, 3, 4}
    sleeps = Sleeps()
    with pytest.raises(TransientError, match="Slack answered 503"):
        notifier(slack, sleep=sleeps).send_digest(DIGEST)
    assert sleeps == [1.0, 2.0, 4.0] and slack.posts == []


def test_a_bad_token_is_permanent_and_never_shown(slack: SlackServer) -> None:
    with pytest.raises(PermanentError, match="token is invalid") as info:
        notifier(slack, token="xoxb-9999-wrong-token").send_digest(DIGEST)
    assert not isinstance(info.value, TransientError) and "xoxb-9999" not in str(info.value)
    assert slack.requests == 1 and slack.posts == []


def test_an_unknown_channel_is_permanent(slack: SlackServer) -> None:
    with pytest.raises(PermanentError, match="'#nope' does not exist"):
        notifier(slack, channel="#nope").send_digest(DIGEST)


def test_an_unreachable_slack_is_transient() -> None:
    with pytest.raises(TransientError, match="Slack unreachable"):
        SlackNotifier(SecretStr(TOKEN), CHANNEL, "http://127.0.0.1:9/api/", timeout=1).send_digest(DIGEST)


def test_the_notifier_repr_hides_the_token(slack: SlackServer) -> None:
    assert TOKEN not in repr(notifier(slack))


def test_the_local_server_speaks_form_bodies_and_checks_auth(slack: SlackServer) -> None:
    def post(data: dict[str, str], headers: dict[str, str]) -> dict[str, object]:
        request = urllib.request.Request(f"{slack.base_url}chat.postMessage",
                                         data=urllib.parse.urlencode(data).encode(), headers=headers)
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    assert post({"channel": CHANNEL, "text": "hi"}, {})["error"] == "not_authed"
    assert post({"channel": CHANNEL, "text": "hi"}, {"Authorization": "Bearer xoxb-x"})["error"] == "invalid_auth"
    assert post({"channel": CHANNEL, "text": "hi", "token": TOKEN}, {})["ok"] is True
    assert slack.posts[-1].text == "hi"


def test_links_are_real_links_and_a_team_digest_goes_to_the_teams_channel() -> None:
    with SlackServer(token=TOKEN, channels={CHANNEL, "#team-payments"}) as slack:
        digest = Digest(
            title="payments: 2 skill PR(s) need you (conflicts)", kind="conflicts", release="code-review@1.2.0",
            channel="#team-payments", links=(
                ("acme/payments-001 #4", "https://github.test/acme/payments-001/pull/4"),
                ("<!channel> #5", "https://github.test/acme/payments-002/pull/5"),
                ("sneaky", "javascript:alert(1)"),
            ) + tuple((f"r{i}", f"https://github.test/r/pull/{i}") for i in range(30)))
        notifier(slack).send_digest(digest)
        [post] = slack.posts
    assert post.channel == "#team-payments"
    [links] = [b["text"]["text"] for b in post.blocks if b["type"] == "section" and "github.test" in b["text"]["text"]]
    assert "<https://github.test/acme/payments-001/pull/4|acme/payments-001 #4>" in links
    assert "<https://github.test/acme/payments-002/pull/5|&lt;!channel&gt; #5>" in links
    assert "javascript:" not in links and "sneaky" in links
    assert links.endswith("_…and 13 more_")
