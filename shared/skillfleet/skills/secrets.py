"""Secret scanning of skill content: what a skill would write into hundreds of repositories must
never carry a credential. Used by the validator (`skills validate`, promote, tag-received) and, on
the merged output, before a pull request is opened (`scan_outputs`).

Detection is detect-secrets' regex plugins (maintained upstream: AWS, GitHub, private keys, Slack,
Stripe, ...), called line by line through `analyze_string` (pure: no settings, no network
verification), plus our own patterns for what they miss (Google keys, fine-grained GitHub tokens,
Slack webhooks). Entropy and keyword heuristics are left out: on YAML pipelines they mostly flag
digests and placeholders. A finding names its file, line and rule, never the secret itself.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from detect_secrets.plugins.artifactory import ArtifactoryDetector
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

from ..domain.errors import PermanentError
from ..domain.skill.allowlist import SecretAllowance
from ..domain.skill.manifest import SkillManifest

_PLUGINS: dict[str, RegexBasedDetector] = {
    "aws-access-key": AWSKeyDetector(), "github-token": GitHubTokenDetector(),
    "private-key": PrivateKeyDetector(), "slack-token": SlackDetector(), "stripe-key": StripeDetector(),
    "gitlab-token": GitLabTokenDetector(), "npm-token": NpmDetector(), "pypi-token": PypiTokenDetector(),
    "openai-key": OpenAIDetector(), "sendgrid-key": SendGridDetector(), "twilio-key": TwilioKeyDetector(),
    "azure-storage-key": AzureStorageKeyDetector(), "artifactory-token": ArtifactoryDetector(),
    "discord-token": DiscordBotTokenDetector(), "mailchimp-key": MailchimpDetector(),
    "square-oauth-secret": SquareOAuthDetector(), "jwt": JwtTokenDetector(),
}
_OWN: dict[str, re.Pattern[str]] = {
    "google-api-key": re.compile(r"AIza[0-9A-Za-z_\-]{35}"),
    "github-fine-grained-token": re.compile(r"github_pat_[0-9A-Za-z_]{22,}"),
    "slack-webhook": re.compile(r"https://hooks\.slack\.com/services/T[0-9A-Za-z]+/B[0-9A-Za-z]+/[0-9A-Za-z]+"),
    "gcp-service-account-key": re.compile(r"\"private_key_id\"\s*:\s*\"[0-9a-f]{40}\""),
}
RULES = tuple(sorted([*_PLUGINS, *_OWN]))
_LABELS = {rule: p.secret_type for rule, p in _PLUGINS.items()} | {
    "google-api-key": "Google API key", "github-fine-grained-token": "GitHub fine-grained token",
    "slack-webhook": "Slack incoming webhook URL", "gcp-service-account-key": "Google service account key",
}


@dataclass(frozen=True)
class SecretFinding:
    """A line that holds what looks like a credential. The secret itself is never kept."""

    file: str
    line: int
    rule: str

    @property
    def label(self) -> str:
        return _LABELS[self.rule]

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.label} (rule {self.rule})"

    def allowlist_hint(self) -> str:
        return (f"secrets_allowlist: [{{file: {self.file}, rule: {self.rule}, line: {self.line}, "
                "reason: <why this is not a real secret>}]")


def scan_text(file: str, text: str) -> list[SecretFinding]:
    """Every line of `text` that matches a rule, once per (line, rule)."""
    rules = [rule for rule in RULES if _may_match(rule, text)]   # one pass over the whole text first
    if not rules:
        return []
    found: list[SecretFinding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        found.extend(SecretFinding(file, number, rule) for rule in rules if _matches(rule, line))
    return found


def scan_files(files: Mapping[str, bytes | str],
               allowlist: Iterable[SecretAllowance] = ()) -> list[SecretFinding]:
    """Scan files (path -> content) and drop what the allowlist covers. Binary content is scanned
    as text too (a key pasted into a binary is still a key)."""
    allowed = tuple(allowlist)
    found: list[SecretFinding] = []
    for path in sorted(files):
        content = files[path]
        text = content if isinstance(content, str) else content.decode("utf-8", "replace")
        found.extend(f for f in scan_text(path, text)
                     if not any(a.covers(f.file, f.rule, f.line) for a in allowed))
    return found


def scan_outputs(manifest: SkillManifest, outputs: Mapping[str, bytes | str],
                 current: Mapping[str, bytes | str] | None = None) -> list[SecretFinding]:
    """Scan merged output (destination path in the service repo -> content) before a PR is opened.

    The skill's allowlist applies by destination (an entry for a source covers the file it becomes,
    any line, since merging moves lines). Rules already matching in the service's `current` file
    are the service's own business and are not reported."""
    allowed = [SecretAllowance(file=f.destination, rule=a.rule, reason=a.reason)
               for a in manifest.secrets_allowlist for f in manifest.files if f.source == a.file]
    found = scan_files(outputs, allowed)
    if current:
        before = {(f.file, f.rule) for f in scan_files(current)}
        found = [f for f in found if (f.file, f.rule) not in before]
    return found


def refuse_secrets(manifest: SkillManifest, outputs: Mapping[str, bytes | str],
                   current: Mapping[str, bytes | str] | None = None, *, subject: str) -> None:
    """scan_outputs, raising PermanentError naming each file:line and rule (for generate-pr: a PR
    that would carry a secret into a service repository is refused, not retried)."""
    found = scan_outputs(manifest, outputs, current)
    if found:
        raise PermanentError(f"{subject} would write what looks like a secret into the repository: "
                             + "; ".join(str(f) for f in found) + "; remove it from the skill, or allowlist "
                             "a harmless fixture in SKILL.md (secrets_allowlist, with a reason)")


def _may_match(rule: str, text: str) -> bool:
    if rule in _OWN:
        return _OWN[rule].search(text) is not None
    return any(pattern.search(text) for pattern in _PLUGINS[rule].denylist)


def _matches(rule: str, line: str) -> bool:
    if rule in _OWN:
        return _OWN[rule].search(line) is not None
    return next(iter(_PLUGINS[rule].analyze_string(line)), None) is not None
