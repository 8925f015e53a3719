"""generate-pr: bring one service to one release with one PR (3-way merge of managed files).

An update branch is skillfleet's until a person commits on it: the head skillfleet wrote is recorded,
and a branch whose head is anything else is left alone (the item shows `blocked: edited by a person`)
until a `/skills rebase` asks for it back: then it is rewritten once from the default branch as it is now.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from ..domain import pr_text
from ..domain.apply import METADATA_PATH, UpdatePlan, plan_update, read_metadata, recorded_version
from ..domain.errors import PermanentError, TransientError
from ..domain.messages import PullRequestOpened, UpdateRepo
from ..domain.model import EDITED, Release, RolloutItem, RolloutState, Service
from ..domain.policy import Policy, release_policy
from ..domain.versioning import ReleaseTag
from ..outbox import flush_outbox
from ..ports import UPDATE_PR_WRITES, BlobStore, Bus, Forge, Outgoing, Registry
from ..runonce import once
from ..skills.secrets import refuse_secrets
from .bundles import bundle_for_version, load_bundle
from .supersede import supersede_open

_WORKABLE = {RolloutState.REQUESTED, RolloutState.FAILED}
_OPEN = {RolloutState.PR_OPEN, RolloutState.CONFLICT}


class _Edited(Exception):
    """A person committed on the update branch: skillfleet leaves it alone."""


def handle(
    msg: UpdateRepo, *, registry: Registry, forge: Forge, blobs: BlobStore, bus: Bus,
    skills_repo: str, worker: str, lease_seconds: int = 300,
    title_template: str = pr_text.TITLE_TEMPLATE, links: pr_text.Links | None = None,
) -> None:
    """`title_template` and `links` (the skills repo on GitHub's web UI, the dashboard) shape the PR text."""
    text = _Text(title_template, links or pr_text.Links(skills_repo=skills_repo))
    item, _ = registry.ensure_rollout_item(msg.release_id, msg.repo, msg.wave)
    guard = registry.branch_guard(msg.release_id, msg.repo)
    work = partial(_open_pr, msg, registry=registry, forge=forge, blobs=blobs, bus=bus, skills_repo=skills_repo)
    if guard.takeover and item.state in _OPEN:
        # `/skills rebase`: the branch is rewritten once per command, whoever committed on it
        once(registry, "skills-rebase", f"{msg.release_id}:{msg.repo}:{guard.takeover}",
             partial(work, replace(text, force=True), None))
        return
    if item.state not in _WORKABLE:
        # done already (a redelivery or a duplicate); what the first attempt could not publish goes now,
        # and the older PRs it was to close are closed if a crash came first
        flush_outbox(registry, bus, subject=outbox_subject(msg.release_id, msg.repo))
        _finish_supersede(msg, item, registry=registry, forge=forge)
        return
    if registry.claim_rollout_item(msg.release_id, msg.repo, owner=worker, lease_seconds=lease_seconds) is None:
        raise TransientError(f"{msg.repo}: another worker holds the lease for this update; retry later")
    try:
        work(text, guard.head_sha)
    except _Edited:
        registry.release_claim(msg.release_id, msg.repo, owner=worker)
    except PermanentError as exc:
        registry.transition(msg.release_id, msg.repo, RolloutState.FAILED, reason=str(exc))
        raise
    except BaseException:
        registry.release_claim(msg.release_id, msg.repo, owner=worker)
        raise


def _finish_supersede(msg: UpdateRepo, item: RolloutItem, *, registry: Registry, forge: Forge) -> None:
    if item.state in _OPEN or (item.state is RolloutState.MERGED and item.pr_number is None):
        release = registry.get_release_by_id(msg.release_id)
        if release is not None:
            supersede_open(registry, forge, release, msg.repo, item.pr_url)


@dataclass(frozen=True)
class _Text:
    title_template: str
    links: pr_text.Links
    force: bool = False      # a `/skills rebase`: reset the branch to the default branch first


def _open_pr(
    msg: UpdateRepo, text: _Text, written: str | None, *, registry: Registry, forge: Forge, blobs: BlobStore, bus: Bus, skills_repo: str,
) -> None:
    release = registry.get_release_by_id(msg.release_id)
    service = registry.get_service(msg.repo)
    if release is None or service is None:
        raise PermanentError(f"release {msg.release_id} or service {msg.repo} is not in the registry")
    new = load_bundle(release, blobs)
    paths = [f.destination for f in new.manifest.files] + [METADATA_PATH]
    forge.reserve_writes(msg.repo, UPDATE_PR_WRITES)   # before any read: a deferred update costs no request
    current = forge.read_contents(msg.repo, paths, ref=service.default_branch)   # bytes for a binary file
    metadata_text = current.pop(METADATA_PATH)
    old_version = recorded_version(read_metadata(metadata_text), release.skill)
    old = (bundle_for_version(release.skill, old_version, registry=registry, blobs=blobs, forge=forge,
                              skills_repo=skills_repo) if old_version else None)
    plan = plan_update(service=service, new=new, old=old, current=current, metadata_text=metadata_text)
    if not plan.has_changes:
        registry.transition(msg.release_id, msg.repo, RolloutState.MERGED, reason="already up to date")
        registry.set_service_skill(msg.repo, release.skill, release.version)
        supersede_open(registry, forge, release, msg.repo, None)
        return
    # the merged output is scanned before anything reaches the service's repository
    managed = {f.destination for f in new.manifest.files}
    refuse_secrets(new.manifest, {p: t for p, t in plan.files.items() if p in managed},
                   current={p: t for p, t in current.items() if t is not None}, subject=msg.repo)
    policy = release_policy(release, new.manifest.severity_matrix)
    _keep_out_if_edited(msg, written, registry=registry, forge=forge)
    _publish_pr(msg, release, service, plan, policy, text, old_version,
                registry=registry, forge=forge, bus=bus)


def _keep_out_if_edited(msg: UpdateRepo, written: str | None, *, registry: Registry, forge: Forge) -> None:
    """A branch skillfleet wrote before whose head moved since: a person's commit, never overwritten."""
    if written is None:
        return
    head = forge.branch_head(msg.repo, ReleaseTag.parse(f"{msg.skill}-v{msg.version}").branch)
    if head is not None and head != written:
        registry.block_branch(msg.release_id, msg.repo, EDITED)
        raise _Edited(msg.repo)


def _publish_pr(msg: UpdateRepo, release: Release, service: Service, plan: UpdatePlan, policy: Policy,
                text: _Text, old_version: str | None, *, registry: Registry, forge: Forge, bus: Bus) -> None:
    tag = ReleaseTag.parse(release.tag)
    title = pr_text.title(release, template=text.title_template, from_version=old_version)
    body = pr_text.body(release, plan, policy, default_branch=service.default_branch,
                        from_version=old_version, links=text.links)
    pr = forge.open_update_pr(
        msg.repo, branch=tag.branch, base=service.default_branch, title=title, body=body, files=plan.files,
        commit_message=f"{title}\n\nskillfleet release {release.tag}",
        labels=pr_text.labels(policy, plan), draft=bool(plan.conflicts), force=text.force,
    )
    if pr.head_sha:   # what a person's later commit is told from (recorded before the item moves on)
        registry.record_branch_head(msg.release_id, msg.repo, pr.head_sha)
    state = RolloutState.CONFLICT if plan.conflicts else RolloutState.PR_OPEN
    opened = PullRequestOpened(
        release_id=msg.release_id, skill=release.skill, version=release.version, repo=msg.repo,
        number=pr.number, url=pr.url, branch=pr.branch, draft=pr.draft, conflicts=len(plan.conflicts),
        api_calls=pr.api_calls,
    )
    # the PR and its announcement are recorded together: a failed publish is published by the retry
    subject = outbox_subject(msg.release_id, msg.repo)
    registry.transition(msg.release_id, msg.repo, state, pr_number=pr.number, pr_url=pr.url, outbox=[Outgoing(
        opened, key=f"pr-opened:{msg.release_id}:{msg.repo}:{pr.number}", subject=subject,
        correlation_id=release.tag)])
    flush_outbox(registry, bus, subject=subject)
    supersede_open(registry, forge, release, msg.repo, pr.url)


def outbox_subject(release_id: int, repo: str) -> str:
    """The outbox subject of one rollout item: generate-pr flushes it on every delivery."""
    return f"item:{release_id}:{repo}"
