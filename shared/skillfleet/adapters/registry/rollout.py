"""Rollout items: one per (release, service), leased for work and moved through the state machine."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ...domain.errors import PermanentError
from ...domain.model import IllegalTransition, RolloutItem, RolloutState, check_transition
from ...ports import Outgoing
from . import rows as rec
from .base import RegistryBase
from .outbox import insert_outgoing
from .sql import jsonb, one, rows

_CLAIMABLE = (RolloutState.REQUESTED.value, RolloutState.FAILED.value)
BATCH = 5000   # rollout items per statement at fan-out: one round trip per few thousand services
# the batch travels as one JSON document (pg8000 escapes a text[] element by element, 10x slower);
# the final SELECT reads the snapshot from before the INSERT, so new and waiting rows never overlap
_ENSURE_MANY = """
WITH wanted AS (SELECT * FROM jsonb_to_recordset(%s::jsonb) AS t(repo text, wave int)),
new AS (INSERT INTO rollout_items (release_id, repo, wave) SELECT %s, repo, wave FROM wanted
        ON CONFLICT (release_id, repo) DO NOTHING RETURNING repo, wave)
SELECT repo, wave FROM new
UNION ALL SELECT i.repo, i.wave FROM rollout_items i JOIN wanted w ON w.repo = i.repo
          WHERE i.release_id = %s AND i.state = %s"""


class UnknownRolloutItem(PermanentError):
    """A transition named a (release, repo) pair the registry has never seen."""


class RolloutStore(RegistryBase):
    # the clock the handlers run on; None: the database's now() (production). A transition's audit row
    # carries its time, so a burndown follows the handlers' clock (the demo's advances virtually)
    clock: Callable[[], datetime] | None = None

    def ensure_rollout_item(self, release_id: int, repo: str, wave: int = 0) -> tuple[RolloutItem, bool]:
        """The item for (release, repo), created in state `requested` the first time (True)."""
        with self._tx() as cur:
            cur.execute(
                """INSERT INTO rollout_items (release_id, repo, wave) VALUES (%s, %s, %s)
                   ON CONFLICT (release_id, repo) DO NOTHING RETURNING *""",
                (release_id, repo, wave),
            )
            row = one(cur)
            if row is not None:
                return rec.rollout_item(row), True
            existing = _locked_item(cur, release_id, repo, lock=False)
        assert existing is not None   # the conflict means it exists, and items are never deleted
        return rec.rollout_item(existing), False

    def ensure_rollout_items(self, release_id: int, waves: Mapping[str, int]) -> list[RolloutItem]:
        """Batched ensure_rollout_item: one INSERT ... SELECT per BATCH repos (a conflict on
        (release_id, repo) keeps the stored row) returning the batch's items still `requested`."""
        pairs = sorted(waves.items())
        waiting: list[RolloutItem] = []
        for start in range(0, len(pairs), BATCH):
            batch = jsonb([{"repo": repo, "wave": wave} for repo, wave in pairs[start:start + BATCH]])
            with self._tx() as cur:
                cur.execute(_ENSURE_MANY, (batch, release_id, release_id, RolloutState.REQUESTED.value))
                found = cur.fetchall()
            waiting += [RolloutItem(release_id=release_id, repo=repo, wave=wave, state=RolloutState.REQUESTED)
                        for repo, wave in sorted(found)]
        return waiting

    def get_rollout_item(self, release_id: int, repo: str) -> RolloutItem | None:
        with self._tx() as cur:
            row = _locked_item(cur, release_id, repo, lock=False)
        return rec.rollout_item(row) if row else None

    def claim_rollout_item(self, release_id: int, repo: str, *, owner: str, lease_seconds: int) -> RolloutItem | None:
        """Lease a requested or failed item to `owner` and count the attempt.

        None when another owner holds an unexpired lease, or the item is missing or past the
        point where work is needed (PR open, merged, ...). The same owner may renew its lease.
        """
        with self._tx() as cur:
            cur.execute(
                """UPDATE rollout_items
                   SET lease_owner = %s, lease_expires_at = now() + %s * interval '1 second',
                       attempts = attempts + 1, updated_at = now()
                   WHERE release_id = %s AND repo = %s AND state IN (%s, %s)
                     AND (lease_owner IS NULL OR lease_expires_at <= now() OR lease_owner = %s)
                   RETURNING *""",
                (owner, lease_seconds, release_id, repo, *_CLAIMABLE, owner),
            )
            row = one(cur)
        return rec.rollout_item(row) if row else None

    def release_claim(self, release_id: int, repo: str, *, owner: str) -> None:
        """Give the lease back early; a no-op unless `owner` holds it."""
        with self._tx() as cur:
            cur.execute(
                """UPDATE rollout_items SET lease_owner = NULL, lease_expires_at = NULL
                   WHERE release_id = %s AND repo = %s AND lease_owner = %s""",
                (release_id, repo, owner),
            )

    def transition(
        self, release_id: int, repo: str, to: RolloutState, *,
        pr_number: int | None = None, pr_url: str | None = None, reason: str | None = None,
        outbox: Sequence[Outgoing] = (),
    ) -> tuple[RolloutItem, bool]:
        """Move the item (check_transition decides); audit a real change; always clear the lease.

        A repeat of the current state changes nothing but fills in a PR number/url not yet known.
        `outbox` is written in the same transaction (a repeat's keys are already there).
        """
        with self._tx() as cur:
            row = _locked_item(cur, release_id, repo, lock=True)
            if row is None:
                raise UnknownRolloutItem(
                    f"no rollout item for release {release_id} and {repo}; "
                    "it is created by fan-out (ensure_rollout_item) before it can move"
                )
            current = RolloutState(row["state"])
            changed = _check(row, current, to)
            updated = _stamp_pr_opened(cur, _apply(cur, row, to, changed, pr_number, pr_url, reason))
            if changed:
                _audit_transition(cur, row, current, to, reason, updated["pr_number"], self.clock)
            insert_outgoing(cur, outbox)
        return rec.rollout_item(updated), changed

    def find_rollout_item_by_pr(self, repo: str, pr_number: int) -> RolloutItem | None:
        with self._tx() as cur:
            cur.execute(
                """SELECT * FROM rollout_items WHERE repo = %s AND pr_number = %s
                   ORDER BY updated_at DESC, release_id DESC LIMIT 1""",
                (repo, pr_number),
            )
            row = one(cur)
        return rec.rollout_item(row) if row else None

    def list_rollout_items(self, release_id: int, *, state: RolloutState | None = None) -> list[RolloutItem]:
        """Items of a release by wave, then repo."""
        with self._tx() as cur:
            cur.execute(
                """SELECT * FROM rollout_items WHERE release_id = %s AND (%s::text IS NULL OR state = %s)
                   ORDER BY wave, repo""",
                (release_id, state and state.value, state and state.value),
            )
            return [rec.rollout_item(row) for row in rows(cur)]


def _check(row: dict[str, Any], current: RolloutState, to: RolloutState) -> bool:
    try:
        return check_transition(current, to)
    except IllegalTransition as exc:
        raise IllegalTransition(
            f"{row['repo']} for {row['skill']}@{row['version']}: {exc}; "
            "the registry keeps its state, check the event order or the PR on GitHub"
        ) from exc


def _locked_item(cur: Any, release_id: int, repo: str, *, lock: bool) -> dict[str, Any] | None:
    cur.execute(
        f"""SELECT i.*, r.skill, r.version FROM rollout_items i JOIN skill_releases r ON r.id = i.release_id
            WHERE i.release_id = %s AND i.repo = %s{' FOR UPDATE OF i' if lock else ''}""",
        (release_id, repo),
    )
    return one(cur)


def _apply(cur: Any, row: dict[str, Any], to: RolloutState, changed: bool,
           pr_number: int | None, pr_url: str | None, reason: str | None) -> dict[str, Any]:
    if changed:
        # a new state brings its own reason (None clears the last one); PR facts are kept
        sql = """UPDATE rollout_items SET state = %s, reason = %s,
                     pr_number = COALESCE(%s, pr_number), pr_url = COALESCE(%s, pr_url),
                     lease_owner = NULL, lease_expires_at = NULL, updated_at = now(), state_changed_at = now()
                 WHERE release_id = %s AND repo = %s RETURNING *"""
        params: tuple[Any, ...] = (to.value, reason, pr_number, pr_url, row["release_id"], row["repo"])
    else:
        sql = """UPDATE rollout_items SET pr_number = COALESCE(pr_number, %s), pr_url = COALESCE(pr_url, %s),
                     reason = COALESCE(reason, %s), lease_owner = NULL, lease_expires_at = NULL
                 WHERE release_id = %s AND repo = %s RETURNING *"""
        params = (pr_number, pr_url, reason, row["release_id"], row["repo"])
    cur.execute(sql, params)
    updated = one(cur)
    assert updated is not None   # the row is locked by this transaction
    return updated


def _stamp_pr_opened(cur: Any, row: dict[str, Any]) -> dict[str, Any]:
    """The first time an item knows its PR, that moment starts its SLA clock (sla-sweep)."""
    if row["pr_number"] is None or row.get("pr_opened_at") is not None:
        return row
    cur.execute("UPDATE rollout_items SET pr_opened_at = now() WHERE release_id = %s AND repo = %s RETURNING *",
                (row["release_id"], row["repo"]))
    stamped = one(cur)
    assert stamped is not None   # the row is locked by this transaction
    return stamped


def _audit_transition(cur: Any, row: dict[str, Any], current: RolloutState, to: RolloutState,
                      reason: str | None, pr_number: int | None, clock: Callable[[], datetime] | None) -> None:
    detail = {"release_id": row["release_id"], "skill": row["skill"], "version": row["version"],
              "from": current.value, "to": to.value, "reason": reason,
              "pr_number": pr_number}
    cur.execute("INSERT INTO audit_log (at, kind, subject, detail) VALUES (COALESCE(%s, now()), %s, %s, %s::jsonb)",
                (clock() if clock else None, "rollout.transition", row["repo"], jsonb(detail)))
