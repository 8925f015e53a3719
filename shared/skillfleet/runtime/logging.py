"""JSON log lines for Cloud Logging: `severity`, `message`, ids as labels. Never secrets.

Two nets, because a secret can arrive by name or by accident:
- by name: any field (at any depth, labels included) whose key sounds secret is replaced by `***`;
- by shape: every string (the message too) is scrubbed of things that look like credentials:
  JWTs, GitHub and Slack tokens, `Bearer`/`Basic` credentials, PEM private keys, passwords in
  URLs and `password=...` pairs. An exception message that quotes a token is logged without it.
"""
from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import SecretBytes, SecretStr

_LABELS_KEY = "logging.googleapis.com/labels"
_MASK = "***"
_SECRETISH = ("token", "secret", "password", "passwd", "authorization", "private_key", "api_key",
              "apikey", "credential", "cookie")

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.DOTALL), _MASK),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), _MASK),   # JWT / JWS
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,})"), _MASK),  # GitHub
    (re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{6,}"), _MASK),                        # Slack
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), rf"\1 {_MASK}"),
    (re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+@"), f"{_MASK}@"),                              # user:pw@host
    (re.compile(r"(?i)((?:password|passwd|secret|token)[\w-]{0,40}[\"']?\s{0,3}[:=]\s{0,3}[\"']?)"
                r"(?!\*\*\*)[^\s\"',&;}]+"), rf"\1{_MASK}"),                                 # key=value
)


def redact(text: str) -> str:
    """`text` with everything that looks like a credential replaced by `***`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def log(severity: str, message: str, **fields: Any) -> None:
    labels = fields.pop("labels", None) or {}
    record: dict[str, Any] = {
        "severity": severity.upper(),
        "message": redact(str(message)),
        "time": datetime.now(UTC).isoformat(),
        _LABELS_KEY: {str(k): str(_clean(v, str(k))) for k, v in dict(labels).items()},
    }
    for key, value in fields.items():
        record[key] = _clean(value, key)
    print(json.dumps(record, default=str), file=sys.stderr, flush=True)


def info(message: str, **fields: Any) -> None:
    log("INFO", message, **fields)


def warning(message: str, **fields: Any) -> None:
    log("WARNING", message, **fields)


def error(message: str, **fields: Any) -> None:
    log("ERROR", message, **fields)


def _clean(value: Any, key: str = "") -> Any:
    if any(s in key.lower() for s in _SECRETISH) or isinstance(value, (SecretStr, SecretBytes)):
        return _MASK
    if isinstance(value, Mapping):
        return {str(k): _clean(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return redact(str.__str__(value))  # a str Enum logs its value, as json.dumps would
    return redact(str(value))
