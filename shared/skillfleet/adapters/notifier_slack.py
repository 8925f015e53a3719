"""Slack digests: one Block Kit message per digest (per release and event kind), never one per repo.

429 answers are honoured within a bounded budget (Retry-After, then give up with TransientError so
Pub/Sub retries later rather than the function sleeping past its timeout). Auth and channel
mistakes are PermanentError: retrying cannot fix a revoked token or a typo in the channel.
"""
from __future__ import annotations

import re
import time
import urllib.error
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from ..domain.errors import PermanentError, TransientError
from ..ports import Digest

if TYPE_CHECKING:
    from slack_sdk import WebClient

_TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
_CONTEXT_ELEMENTS = 10   # Block Kit: at most 10 elements per context block
_HEADER_CHARS = 150      # Block Kit: header text limit
_LINE_CHARS = 300
_SECTION_CHARS = 3000    # Block Kit: section text limit
_URL = re.compile(r"https?://[^\s<>|\x00-\x1f]{1,2000}")


class SlackNotifier:
    def __init__(
        self, token: SecretStr, channel: str, base_url: str = "https://slack.com/api/", *,
        max_lines: int = 20, max_retries: int = 3, max_wait_seconds: float = 30.0, timeout: int = 10,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._token = token
        self._channel = channel
        self._base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._max_lines = max_lines
        self._max_retries = max_retries
        self._max_wait = max_wait_seconds
        self._timeout = timeout
        self._sleep = sleep
        self._client: WebClient | None = None

    def __repr__(self) -> str:
        return f"SlackNotifier(channel={self._channel!r}, base_url={self._base_url!r})"

    def send_digest(self, digest: Digest) -> None:
        """Post the digest once; TransientError when Slack stays busy, PermanentError when it never will work."""
        from slack_sdk.errors import SlackApiError

        waited = 0.0
        for attempt in range(self._max_retries + 1):
            try:
                self._web().chat_postMessage(
                    channel=digest.channel or self._channel, text=fallback_text(digest),
                    blocks=blocks(digest, self._max_lines),
                    unfurl_links=False, unfurl_media=False,
                )
                return
            except SlackApiError as exc:
                delay = self._retry_delay(exc, attempt, waited, digest.channel or self._channel)
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                raise TransientError(f"Slack unreachable at {self._base_url}: {exc}; will retry") from None
            self._sleep(delay)
            waited += delay
        raise AssertionError("unreachable")  # the last attempt either returns or raises

    def _retry_delay(self, exc: Any, attempt: int, waited: float, channel: str) -> float:
        status: int = exc.response.status_code
        error = str(exc.response.get("error", "")) if isinstance(exc.response.data, dict) else ""
        if status != 429 and status < 500 and error not in _TRANSIENT_ERRORS:
            raise PermanentError(_permanent_reason(error, channel)) from None
        delay = _retry_after(exc.response.headers) if status == 429 else float(2**attempt)
        if attempt >= self._max_retries or waited + delay > self._max_wait:
            raise TransientError(
                f"Slack answered {status} {error[:60]} {attempt + 1} time(s) for the "
                f"{channel} digest; giving up for now, the delivery will be retried"
            ) from None
        return delay

    def _web(self) -> WebClient:
        if self._client is None:  # built on first use, never at import
            from slack_sdk import WebClient

            self._client = WebClient(
                token=self._token.get_secret_value(), base_url=self._base_url, timeout=self._timeout)
        return self._client


def blocks(digest: Digest, max_lines: int = 20) -> list[dict[str, Any]]:
    """Header, a section with the release and counts, the links (PRs, dashboard), then capped context lines."""
    title = (digest.title or f"{digest.kind} {digest.release}")[:_HEADER_CHARS]
    result: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _summary(digest)}},
    ]
    if digest.links:
        result.append({"type": "section", "text": _mrkdwn(links_text(digest.links, max_lines))})
    elements = [_mrkdwn(escape(_cut(line))) for line in digest.lines[:max_lines]]
    hidden = len(digest.lines) - min(len(digest.lines), max_lines)
    if hidden:
        elements.append(_mrkdwn(f"_…and {hidden} more_"))
    for start in range(0, len(elements), _CONTEXT_ELEMENTS):
        result.append({"type": "context", "elements": elements[start:start + _CONTEXT_ELEMENTS]})
    return result


def links_text(links: Sequence[tuple[str, str]], max_links: int = 20) -> str:
    """Block Kit mrkdwn links `<url|label>`: the label escaped, the URL only when it is a plain
    http(s) URL (repo data cannot forge a link or a mention); capped, the rest counted."""
    shown = [link(label, url) for label, url in links[:max_links]]
    hidden = len(links) - len(shown)
    text = "  ·  ".join(shown) + (f"  ·  _…and {hidden} more_" if hidden else "")
    return text[:_SECTION_CHARS]


def link(label: str, url: str) -> str:
    safe = escape(label).replace("|", "¦")
    if not _URL.fullmatch(url):
        return safe
    return f"<{url}|{safe}>"


def fallback_text(digest: Digest) -> str:
    """The plain text Slack shows in notifications and to screen readers."""
    counts = ", ".join(f"{k} {v}" for k, v in digest.counts.items())
    return escape(f"{digest.title} ({digest.release})" + (f": {counts}" if counts else ""))


def escape(text: str) -> str:
    """Slack's three control characters; stops `<!channel>` or forged links coming from repo data."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _summary(digest: Digest) -> str:
    head = f"*Release* `{escape(digest.release)}`  ·  *{escape(digest.kind)}*"
    counts = "  ·  ".join(f"*{escape(k)}* {v}" for k, v in digest.counts.items())
    return head + (f"\n{counts}" if counts else "")


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _cut(line: str) -> str:
    return line if len(line) <= _LINE_CHARS else line[: _LINE_CHARS - 1] + "…"


def _retry_after(headers: Any) -> float:
    for name, value in dict(headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, Sequence) and not isinstance(value, str) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                break
    return 1.0


def _permanent_reason(error: str, channel: str) -> str:
    hints = {
        "invalid_auth": "the Slack token is invalid; check SKILLFLEET_SLACK_TOKEN (a bot token, xoxb-...)",
        "not_authed": "no Slack token was sent; set SKILLFLEET_SLACK_TOKEN",
        "token_revoked": "the Slack token was revoked; install the app again and update the secret",
        "account_inactive": "the Slack token belongs to a deactivated app or user; update the secret",
        "channel_not_found": f"Slack channel {channel!r} does not exist or the bot cannot see it; "
                             "fix SKILLFLEET_SLACK_CHANNEL or invite the bot",
        "not_in_channel": f"the bot is not a member of {channel!r}; invite it to the channel",
        "is_archived": f"Slack channel {channel!r} is archived; choose another channel",
    }
    return f"Slack refused the digest: {hints.get(error, error or 'unknown error')}"
