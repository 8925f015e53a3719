"""Supersede: a newer release of a skill replaces the older releases' unfinished work in a repo.

Never two open skill PRs for one skill in one repo: when generate-pr has opened (or found nothing
to change for) the newer release, each older open PR of that skill in the repo is closed with a
comment linking its successor, and its item becomes `superseded`; older items that never got a PR
are superseded at fan-out, so an older rollout's later wave cannot open one.

The same holds for a rollback's PR back to the version before a yanked release: when the fix (a newer
release) opens its PR in the repo, the PR back is closed with a link and its revert recorded
`superseded` with that reason (recorded first, so its close webhook finds it settled).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial

from ..domain.model import Release, RolloutState
from ..domain.rollout_control import Revert, RevertState
from ..domain.versioning import ReleaseTag, Version
from ..ports import Forge, Registry
from ..runonce import once

_HISTORY = 10       # older releases of one skill looked at, following previous_version
_WAITING = (RolloutState.REQUESTED, RolloutState.FAILED)
_OPEN = (RolloutState.PR_OPEN, RolloutState.CONFLICT)


def older_releases(registry: Registry, release: Release) -> Iterator[Release]:
    previous, seen = release.previous_version, 0
    while previous and seen < _HISTORY:
        older = registry.get_release(release.skill, previous)
        if older is None or older.id is None:
            return
        yield older
        previous, seen = older.previous_version, seen + 1


def supersede_waiting(registry: Registry, release: Release, repos: Iterable[str]) -> int:
    """Older items of these repos still waiting for their PR become `superseded`."""
    count, wanted = 0, set(repos)   # a set: fan-out passes up to the whole fleet
    for older in older_releases(registry, release):
        for item in registry.list_rollout_items(older.id or 0):
            if item.repo in wanted and item.state in _WAITING:
                registry.transition(item.release_id, item.repo, RolloutState.SUPERSEDED,
                                    reason=f"superseded by {release.tag} before its PR was opened")
                count += 1
    return count


def supersede_open(registry: Registry, forge: Forge, release: Release, repo: str, successor: str | None) -> int:
    """Close each older open PR of the skill in `repo`, linking the successor (a PR url, or None
    when the repo needed no change). Safe to repeat: a retry after a crash between recording an older
    item `superseded` and closing its PR finishes that close (one read to see it is still open)."""
    closed = supersede_reverts(registry, forge, release, repo, successor)
    for older in older_releases(registry, release):
        item = registry.get_rollout_item(older.id or 0, repo)
        if item is None or item.pr_number is None:
            continue
        link = f"[the v{release.version} PR]({successor})" if successor else f"v{release.version} (no change needed)"
        text = (f"skillfleet: superseded by **{release.skill} v{release.version}**: see {link}. It is computed "
                f"from the version this repository runs, so closing this one loses nothing.")
        if item.state in _OPEN:
            registry.transition(item.release_id, repo, RolloutState.SUPERSEDED, reason=text)  # first: the close webhook finds it settled
            closed += 1
        elif item.state is not RolloutState.SUPERSEDED or item.reason != text \
                or forge.get_pull(repo, item.pr_number).state != "open":
            continue   # not open, or superseded by another release, or closed already
        once(registry, "superseded", f"{repo}#{item.pr_number}:{release.version}",
             partial(forge.comment, repo, item.pr_number, text))
        forge.close_pull(repo, item.pr_number)
        forge.delete_branch(repo, ReleaseTag.parse(older.tag).branch)
    return closed


def supersede_reverts(registry: Registry, forge: Forge, release: Release, repo: str, successor: str | None) -> int:
    """Close the open PR back of each rollback of an older (yanked) version of the skill in `repo`:
    the fix replaces it. A retry after a crash finishes the close it recorded; True count of new closes."""
    closed, newer = 0, Version.parse(release.version)
    reason = f"superseded by {release.skill} v{release.version} ({successor or 'no change needed there'})"
    for revert in registry.find_reverts(repo=repo, skill=release.skill):
        if revert.pr_number is None or Version.parse(revert.yanked) >= newer:
            continue
        if revert.state is RevertState.PR_OPEN:
            registry.record_revert(revert.release_id, repo, RevertState.SUPERSEDED, to_version=revert.to_version,
                                   pr_number=revert.pr_number, pr_url=revert.pr_url, reason=reason)
            closed += 1
        elif revert.state is not RevertState.SUPERSEDED or revert.reason != reason:
            continue   # merged, closed by its team, or replaced by another release: not ours to close
        _close_revert(registry, forge, release, revert, successor)
    return closed


def _close_revert(registry: Registry, forge: Forge, release: Release, revert: Revert, successor: str | None) -> None:
    number = revert.pr_number or 0
    link = f"[the v{release.version} PR]({successor})" if successor else f"v{release.version} (no change needed here)"
    text = (f"skillfleet: superseded by **{release.skill} v{release.version}**, the fix for yanked "
            f"v{revert.yanked}: see {link}. Going back to v{revert.to_version} first is no longer needed, so this "
            "rollback PR is closed; the fix's PR keeps your own changes the same way.")
    once(registry, "revert-superseded", f"{revert.repo}#{number}:{release.version}",
         partial(forge.comment, revert.repo, number, text))
    forge.close_pull(revert.repo, number)
    forge.delete_branch(revert.repo, ReleaseTag.parse(f"{release.skill}-v{revert.to_version}").branch)
