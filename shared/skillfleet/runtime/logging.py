"""JSON log lines for Cloud Logging: `severity`, `message`, ids as labels. Never secrets."""
from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import Any

_LABELS_KEY = "logging.googleapis.com/labels"
_SECRETISH = ("token", "secret", "password", "authorization", "private_key")


def log(severity: str, message: str, **fields: Any) -> None:
    labels = {k: str(v) for k, v in fields.pop("labels", {}).items()}
    record: dict[str, Any] = {
        "severity": severity.upper(),
        "message": message,
        "time": datetime.now(timezone.utc).isoformat(),
        _LABELS_KEY: labels,
    }
    for key, value in fields.items():
        record[key] = "***" if any(s in key.lower() for s in _SECRETISH) else value
    print(json.dumps(record, default=str), file=sys.stderr, flush=True)


def info(message: str, **fields: Any) -> None:
    log("INFO", message, **fields)


def warning(message: str, **fields: Any) -> None:
    log("WARNING", message, **fields)


def error(message: str, **fields: Any) -> None:
    log("ERROR", message, **fields)
