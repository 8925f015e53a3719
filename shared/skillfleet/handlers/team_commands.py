"""Team commands on a skill PR (record-merge's function, from `github-events`), and people's commits
on its branch.

A comment `/skills ignore | ignore-major | unignore | rebase | retry` on one of skillfleet's PRs (open or
closed), by someone who
may write to the repository (`author_association` OWNER, MEMBER or COLLABORATOR), is recorded,
audited, answered with a comment and honoured; anyone else gets a polite reply. A comment is acted on
once (its id), so a redelivered webhook changes nothing. A push on the update branch whose head is
not the one skillfleet wrote blocks further updates of that branch until `/skills rebase`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..domain.messages import GitHubEventReceived, UpdateRepo
from ..domain.model import EDITED, Release, RolloutItem, RolloutState
from ..domain.versioning import Version
from ..ports import Bus, Forge, Registry
from ..runonce import once
from . import unignore

_COMMAND = re.compile(r"^\s*/skills\s+(\S+)", re.MULTILINE)
_MAY_COMMAND = {"OWNER", "MEMBER", "COLLABORATOR"}
_OPEN = (RolloutState.PR_OPEN, RolloutState.CONFLICT)
HELP = ("`/skills ignore` (never propose this version here again), `/skills ignore-major` (no new major "
        "version of this skill here), `/skills unignore` (lift this repository's ignores of this skill and "
        "propose its newest version again), `/skills rebase` (recompute this PR from the default branch, "
        "replacing commits on it), `/skills retry` (try a failed update again)")


@dataclass(frozen=True)
class _Ask:
    repo: str
    number: int
    login: str
    item: RolloutItem
    release: Release
    comment_id: str


def handle(msg: GitHubEventReceived, *, registry: Registry, forge: Forge, bus: Bus) -> None:
    if msg.event == "issue_comment" and msg.action == "created":
        _on_comment(msg, registry=registry, forge=forge, bus=bus)
    elif msg.event == "pull_request" and msg.action == "synchronize":
        _on_push(msg, registry=registry, forge=forge)


def _on_comment(msg: GitHubEventReceived, *, registry: Registry, forge: Forge, bus: Bus) -> None:
    issue: dict[str, Any] = msg.payload.get("issue") or {}
    comment: dict[str, Any] = msg.payload.get("comment") or {}
    user: dict[str, Any] = comment.get("user") or {}
    found = _COMMAND.search(str(comment.get("body") or ""))
    login = str(user.get("login") or "")
    if not found or "pull_request" not in issue or not login or _is_bot(user):
        return   # not a command on a PR, or a bot (our own replies among them)
    repo = str((msg.payload.get("repository") or {}).get("full_name") or msg.repo)
    item = registry.find_rollout_item_by_pr(repo, int(issue["number"]))
    release = registry.get_release_by_id(item.release_id) if item is not None else None
    if item is None or release is None:
        return   # not a skillfleet PR
    ask = _Ask(repo, int(issue["number"]), login, item, release, str(comment.get("id") or ""))
    act = partial(_answer, ask, found[1].lower(), str(comment.get("author_association") or ""),
                  registry=registry, forge=forge, bus=bus)
    once(registry, "skills-command", f"{repo}#{ask.comment_id}", act)


def _answer(ask: _Ask, command: str, association: str, *, registry: Registry, forge: Forge, bus: Bus) -> None:
    if association.upper() not in _MAY_COMMAND:
        reply, outcome = (f"Thanks @{ask.login}. Only people with write access to {ask.repo} can run "
                          f"`/skills {command}`; please ask one of its maintainers."), "refused"
    else:
        reply = _ACTIONS.get(command, _unknown)(ask, registry=registry, forge=forge, bus=bus)
        outcome = "done" if command in _ACTIONS else "unknown"
    registry.audit("skills.command", ask.repo, {
        "command": command, "actor": ask.login, "association": association, "outcome": outcome,
        "release_id": ask.item.release_id, "skill": ask.release.skill, "version": ask.release.version,
        "pr_number": ask.number, "reply": reply})
    forge.comment(ask.repo, ask.number, reply)


def _ignore(ask: _Ask, *, registry: Registry, forge: Forge, bus: Bus) -> str:
    registry.add_ignore(ask.repo, ask.release.skill, version=ask.release.version, actor=ask.login)
    _close(ask, f"ignored with /skills ignore by @{ask.login}", registry=registry, forge=forge)
    return (f"@{ask.login}: skillfleet will not propose {ask.release.skill} v{ask.release.version} to "
            "this repository again. This PR is closed; a later version will be proposed as usual.")


def _ignore_major(ask: _Ask, *, registry: Registry, forge: Forge, bus: Bus) -> str:
    major = Version.parse(ask.release.version).major
    registry.add_ignore(ask.repo, ask.release.skill, from_major=major, actor=ask.login)
    _close(ask, f"ignored with /skills ignore-major by @{ask.login}", registry=registry, forge=forge)
    return (f"@{ask.login}: skillfleet will not propose {ask.release.skill} v{major} or any later major "
            "version to this repository until the ignore is lifted (`/skills unignore`). This PR is closed.")


def _unignore(ask: _Ask, *, registry: Registry, forge: Forge, bus: Bus) -> str:
    skill = ask.release.skill
    done = unignore.lift(ask.repo, skill, actor=ask.login, token=f"comment-{ask.comment_id}", registry=registry,
                         bus=bus)
    if not done.ignores:
        return f"@{ask.login}: nothing to lift: this repository does not ignore any version of {skill}."
    lifted = ", ".join(i.covers() for i in done.ignores)
    return (f"@{ask.login}: lifted this repository's ignores of {skill} ({lifted}); new versions are proposed "
            f"here as usual. {done.next_step}").rstrip()


def _close(ask: _Ask, reason: str, *, registry: Registry, forge: Forge) -> None:
    if ask.item.state in _OPEN:   # rejected first: the close comes back as a webhook and keeps this reason
        registry.transition(ask.item.release_id, ask.repo, RolloutState.REJECTED, pr_number=ask.number,
                            reason=reason)
        forge.close_pull(ask.repo, ask.number)


def _rebase(ask: _Ask, *, registry: Registry, forge: Forge, bus: Bus) -> str:
    if ask.item.state not in _OPEN:
        return f"@{ask.login}: nothing to rebase: this update is {ask.item.state.value}."
    registry.request_takeover(ask.item.release_id, ask.repo, token=ask.comment_id)
    _request(ask, bus)
    return (f"@{ask.login}: recomputing this PR from the default branch as it is now; commits on this "
            "branch are replaced and skillfleet updates it again.")


def _retry(ask: _Ask, *, registry: Registry, forge: Forge, bus: Bus) -> str:
    if ask.item.state is not RolloutState.FAILED:
        return (f"@{ask.login}: nothing to retry: this update is {ask.item.state.value}. "
                "`/skills rebase` recomputes an open PR.")
    _request(ask, bus)
    return f"@{ask.login}: trying this update again."


def _request(ask: _Ask, bus: Bus) -> None:
    bus.publish(UpdateRepo(release_id=ask.item.release_id, skill=ask.release.skill, version=ask.release.version,
                           repo=ask.repo, wave=ask.item.wave), correlation_id=ask.release.tag)


def _unknown(ask: _Ask, *, registry: Registry, forge: Forge, bus: Bus) -> str:
    return f"@{ask.login}: skillfleet does not know that command. It understands {HELP}."


_ACTIONS = {"ignore": _ignore, "ignore-major": _ignore_major, "unignore": _unignore, "rebase": _rebase,
            "retry": _retry}


def _on_push(msg: GitHubEventReceived, *, registry: Registry, forge: Forge) -> None:
    """A head on the update branch that skillfleet did not write: a person's commit (checked against
    the branch now, so a late event from before a rebase blocks nothing)."""
    pr: dict[str, Any] = msg.payload.get("pull_request") or {}
    repo = str((msg.payload.get("repository") or {}).get("full_name") or msg.repo)
    item = registry.find_rollout_item_by_pr(repo, int(pr["number"])) if "number" in pr else None
    if item is None or item.state not in _OPEN:
        return
    guard = registry.branch_guard(item.release_id, repo)
    head = str(msg.payload.get("after") or (pr.get("head") or {}).get("sha") or "")
    if guard.head_sha is None or guard.takeover or guard.blocked or head == guard.head_sha:
        return
    branch = str((pr.get("head") or {}).get("ref") or "")
    if branch and forge.branch_head(repo, branch) not in (None, guard.head_sha):
        registry.block_branch(item.release_id, repo, EDITED)


def _is_bot(user: dict[str, Any]) -> bool:
    return user.get("type") == "Bot" or str(user.get("login") or "").endswith("[bot]")
