"""Rollback: a release is yanked and every service that merged it gets a PR back to the version it
ran before, through the same 3-way merge as an update (its customizations stay).

The PR uses the previous release's branch (`skills/<skill>-v<previous>`), so when it merges,
record-merge records the service on the previous version again. Open PRs of the yanked release are
closed and their branches deleted; fan-out, sweeps and generate-pr never propose a yanked release.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.apply import METADATA_PATH, plan_update, read_metadata, recorded_version
from ..domain.errors import UserError
from ..domain.labels import LABEL_UPDATE
from ..domain.model import Release, RolloutItem, RolloutState
from ..domain.rollout_control import RevertState, RolloutPhase
from ..domain.skill.bundle import Bundle
from ..domain.versioning import ReleaseTag
from ..ports import BlobStore, Forge, OpenedPullRequest, Registry
from .bundles import bundle_for_version, load_bundle
from .rollout_ops import stop_items


@dataclass
class RollbackResult:
    closed: int = 0
    reverted: list[str] = field(default_factory=list)     # PR urls
    skipped: list[str] = field(default_factory=list)      # repos that already moved on
    no_previous: list[str] = field(default_factory=list)  # repos left on the yanked version: nothing earlier


def rollback(release: Release, *, registry: Registry, forge: Forge, blobs: BlobStore, skills_repo: str,
             actor: str, reason: str) -> RollbackResult:
    """Yank, close the open PRs, and take each service that merged the release back; what each service
    was left in is recorded (registry.record_revert), so the registry never calls a service that went
    back "on the yanked version". A repeat finishes what a crashed run left and changes nothing else."""
    if not reason.strip():
        raise UserError("rollback needs a reason (--reason '...'): it goes into each PR and the audit log")
    previous = _previous_bundle(release, registry=registry, forge=forge, blobs=blobs, skills_repo=skills_repo)
    registry.yank_release(release.id or 0, actor=actor, reason=reason)
    if registry.rollout_control(release.id or 0).phase is not RolloutPhase.ROLLED_BACK:
        registry.set_rollout_phase(release.id or 0, RolloutPhase.ROLLED_BACK, actor=actor, reason=reason)
    out = RollbackResult(closed=stop_items(
        release, registry=registry, forge=forge, state=RolloutState.ABORTED,
        comment=f"skillfleet: **{release.skill} v{release.version}** was rolled back by {actor}: {reason}. "
                "This PR is closed; nothing to do."))
    yanked = load_bundle(release, blobs)
    # went back already, or a fix release's PR took over: a re-run opens no second PR back
    settled = {r.repo for r in registry.reverts(release.id or 0)
               if r.state in (RevertState.MERGED, RevertState.SUPERSEDED)}
    for item in registry.list_rollout_items(release.id or 0, state=RolloutState.MERGED):
        if item.repo in settled:
            out.skipped.append(item.repo)
            continue
        state, pr = _revert(item, release, yanked, previous, registry=registry, forge=forge, reason=reason)
        registry.record_revert(release.id or 0, item.repo, state, to_version=previous.version if pr and previous else None,
                               pr_number=pr.number if pr else None, pr_url=pr.url if pr else None)
        {RevertState.PR_OPEN: out.reverted, RevertState.NO_PREVIOUS: out.no_previous}.get(
            state, out.skipped).append(pr.url if pr else item.repo)
    return out


def _previous_bundle(release: Release, *, registry: Registry, forge: Forge, blobs: BlobStore,
                     skills_repo: str) -> Bundle | None:
    """The version before the release, when it can be found (a recorded release or its tag)."""
    prev = release.previous_version
    return bundle_for_version(release.skill, prev, registry=registry, blobs=blobs, forge=forge,
                              skills_repo=skills_repo) if prev else None


def _revert(item: RolloutItem, release: Release, yanked: Bundle, previous: Bundle | None, *, registry: Registry,
            forge: Forge, reason: str) -> tuple[RevertState, OpenedPullRequest | None]:
    service = registry.get_service(item.repo)
    if service is None:
        return RevertState.MOVED_ON, None   # no longer managed here
    known = (*yanked.manifest.files, *(previous.manifest.files if previous else ()))
    paths = sorted({f.destination for f in known} | {METADATA_PATH})
    current = forge.read_contents(item.repo, paths, ref=service.default_branch)   # bytes for a binary file
    metadata_text = current.pop(METADATA_PATH)
    if recorded_version(read_metadata(metadata_text), release.skill) != release.version:
        return RevertState.MOVED_ON, None   # a newer release or its own change: leave it alone
    if previous is None:
        return RevertState.NO_PREVIOUS, None
    plan = plan_update(service=service, new=previous, old=yanked, current=current, metadata_text=metadata_text)
    if not plan.has_changes:
        return RevertState.MOVED_ON, None
    title = f"Roll back {release.skill} to v{previous.version} (v{release.version} was yanked)"
    pr = forge.open_update_pr(
        item.repo, branch=ReleaseTag.parse(f"{release.skill}-v{previous.version}").branch,
        base=service.default_branch, title=title, files=plan.files, labels=[LABEL_UPDATE],
        body=(f"**{release.skill} v{release.version}** was rolled back: {reason}\n\nThis PR takes this repository "
              f"back to v{previous.version} with the same 3-way merge as an update: your own changes since "
              f"v{release.version} are kept. Conflicts: {len(plan.conflicts)}."),
        commit_message=f"{title}\n\nskillfleet rollback of {release.tag}", draft=bool(plan.conflicts))
    return RevertState.PR_OPEN, pr
