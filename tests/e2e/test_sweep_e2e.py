"""A wave opened by a scheduled sweep message, through Pub/Sub (issue 7): the release fans out its
first wave only; teams merge it; Cloud Scheduler's message on sla-sweep-requested (fired after the
soak) makes the sla-sweep function open the next wave exactly once, and generate-pr opens its PRs.
The redelivered Scheduler message (same fire time) opens nothing more."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from skillfleet.adapters.bus_pubsub import PubSubBus
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet.adapters.registry import PostgresRegistry
from skillfleet.domain.messages import SkillTagPushed, SweepSlas, Topic
from skillfleet.domain.model import RolloutState
from skillfleet_dev.demo import world
from skillfleet_dev.devstack.stack import DevStack
from skillfleet_dev.testing.oidc_issuer import OidcIssuer
from test_release_e2e import (
    NEW,
    SKILL,
    SKILLS_REPO,
    TAG,
    Witness,
    _seed_service,
    _seed_skills_repo,
    wait_for,
)

pytestmark = pytest.mark.e2e
SERVICES = [s for s in world.services(12) if s.customization != "pinned-node"][:4]   # minor: 25 % then the rest


def test_a_scheduled_sweep_message_opens_the_next_wave_once(
    stack: DevStack, registry: PostgresRegistry, bus: PubSubBus, forge: GitHubForge, issuer: OidcIssuer,
) -> None:
    updates = Witness(stack, Topic.REPO_UPDATE_REQUESTED)
    old_bundle_sha, rendered = _seed_skills_repo(stack, forge)
    for svc in SERVICES:
        _seed_service(stack, registry, svc, rendered, old_bundle_sha)
    sha = _push_staged_release(stack, forge)
    token = issuer.mint(issuer.github_claims(repository=SKILLS_REPO, tag=TAG, sha=sha,
                                             audience=stack.config.env["SKILLFLEET_OIDC_AUDIENCE"]))
    bus.publish(SkillTagPushed(repository=SKILLS_REPO, tag=TAG, sha=sha, actor="release-bot", oidc_token=token),
                correlation_id=TAG)

    first = wait_for("wave 0's PRs", lambda: _wave(registry, 0, RolloutState.PR_OPEN), stack, timeout=90)
    later = [i.repo for i in _items(registry) if i.wave > 0]
    assert len(first) == 1 and len(later) == 3, _items(registry)   # staged: the pilot, then one at a time
    assert all(i.state is RolloutState.REQUESTED for i in _items(registry) if i.wave > 0)
    for item in first:
        stack.github.merge_pull(item.repo, item.pr_number or 0, as_user="team-lead")
    wait_for("wave 0 merged", lambda: _wave(registry, 0, RolloutState.MERGED), stack)
    before = updates.count()

    # Cloud Scheduler fires after the soak; the same message is delivered twice
    fired = SweepSlas(requested_at=datetime.now(UTC) + timedelta(hours=25))
    bus.publish(fired, correlation_id="scheduler")
    opened = wait_for("wave 1's PRs opened by the sweep", lambda: _wave(registry, 1, RolloutState.PR_OPEN),
                      stack, timeout=90)
    assert sorted(i.repo for i in opened) == sorted(r for r in later if _wave_of(registry, r) == 1)
    bus.publish(fired, correlation_id="scheduler")
    time.sleep(5)   # the redelivery reaches sla-sweep within a second; give it ample time
    assert updates.count() - before == len(opened)
    release = registry.get_release(SKILL, NEW)
    waves = [w.wave for w in registry.rollout_control(release.id or 0).waves]   # type: ignore[union-attr]
    assert waves == [0, 1]
    opened_by = [e["detail"].get("by") for e in registry.audit_log(subject=f"{SKILL}@{NEW}")
                 if e["kind"] == "rollout.wave_opened" and e["detail"].get("wave") == 1]
    assert opened_by == ["sla-sweep"]


def _push_staged_release(stack: DevStack, forge: GitHubForge) -> str:
    """The platform's v2.1.0 as the demo releases it: staged (pilot, 10 %, 25 %, all)."""
    for i, message in enumerate(world.V2_1_COMMITS):
        last = i == len(world.V2_1_COMMITS) - 1
        files = (world.skill_files(NEW, world.CLOUDBUILD_V2_1, world.STAGED) if last
                 else {f"{SKILL}/CHANGES-{i}.md": message})
        stack.github.commit(SKILLS_REPO, "main", files, message, as_user="platform-dev")
    stack.github.create_tag(SKILLS_REPO, TAG, "main")
    return forge.resolve_ref(SKILLS_REPO, TAG)


def _items(registry: PostgresRegistry):
    release = registry.get_release(SKILL, NEW)
    return registry.list_rollout_items(release.id) if release is not None and release.id else []


def _wave(registry: PostgresRegistry, wave: int, state: RolloutState):
    items = [i for i in _items(registry) if i.wave == wave]
    return items if items and all(i.state is state for i in items) else []


def _wave_of(registry: PostgresRegistry, repo: str) -> int:
    return next(i.wave for i in _items(registry) if i.repo == repo)

