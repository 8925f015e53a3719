"""Registry rows to domain records."""
from __future__ import annotations

import json
from typing import Any

from ...domain.model import Release, RolloutItem, RolloutState, Service, ServiceSkill
from ...ports import DeadLetter
from .sql import Row


def service(row: Row) -> Service:
    return Service(repo=row["repo"], team=row["team"], default_branch=row["default_branch"],
                   opted_out=row["opted_out"], pilot=row.get("pilot", False))


def service_skill(row: Row) -> ServiceSkill:
    return ServiceSkill(repo=row["repo"], skill=row["skill"], version=row["version"], since=row["since"])


def release(row: Row) -> Release:
    return Release(
        id=row["id"], skill=row["skill"], version=row["version"], previous_version=row["previous_version"],
        severity=row["severity"], tag=row["tag"], commit_sha=row["commit_sha"], bundle_uri=row["bundle_uri"],
        bundle_sha256=row["bundle_sha256"], changelog=row["changelog"],
        reasons=tuple(_json(row["reasons"])), breaking=row["breaking"], created_at=row["created_at"],
        yanked=row.get("yanked_at") is not None,
    )


def rollout_item(row: Row) -> RolloutItem:
    return RolloutItem(
        release_id=row["release_id"], repo=row["repo"], state=RolloutState(row["state"]), wave=row["wave"],
        pr_number=row["pr_number"], pr_url=row["pr_url"], reason=row["reason"], attempts=row["attempts"],
        updated_at=row["updated_at"], merge_sha=row.get("merge_sha"), ci_conclusion=row.get("ci_conclusion"),
        pr_opened_at=row.get("pr_opened_at"),
    )


def dead_letter(row: Row) -> DeadLetter:
    return DeadLetter(
        id=row["id"], subscription=row["subscription"], message_type=row["message_type"],
        data=bytes(row["data"]), attributes={str(k): str(v) for k, v in _json(row["attributes"]).items()},
        error=row["error"], attempts=row["attempts"], created_at=row["created_at"],
        replayed_at=row["replayed_at"],
    )


def _json(value: Any) -> Any:
    # pg8000 decodes json/jsonb already; a text column (or a driver that does not) gives a str
    return json.loads(value) if isinstance(value, str) else value
