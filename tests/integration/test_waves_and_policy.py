"""The release policy on the real chain (embedded PostgreSQL, the GitHub emulator, signed webhooks):
what tag-received records is what every later function reads, and fan-out follows the policy's waves."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from skillfleet.domain.messages import SkillTagPushed, SweepSlas
from skillfleet.domain.model import RolloutState
from skillfleet_dev.demo import world
from test_chain import World  # the chain's world, reused (tests/integration is on sys.path)

pytestmark = pytest.mark.integration


@pytest.fixture
def make_world(tmp_path, registry, settings):
    made = []

    def make(**kw):
        made.append(World(tmp_path, registry, settings, **kw))
        return made[-1]

    yield make
    for w in made:
        w.close()


def settle(w):
    for _ in range(3):   # bus -> GitHub -> webhooks -> bus, until quiet
        w.bus.drain()
        w.gh.flush()
    return w.bus.drain()


def release(w, version, message, changelog=None):
    """The platform team commits `version` of the skill (with a CHANGELOG when given) and tags it."""
    files = world.skill_files(version, world.CLOUDBUILD_V2_1)
    if changelog is not None:
        files[f"{world.SKILL}/CHANGELOG.md"] = changelog
    w.gh.commit(world.SKILLS_REPO, "main", files, message)
    tag = f"{world.SKILL}-v{version}"
    w.gh.create_tag(world.SKILLS_REPO, tag, "main")
    sha = w.app.forge.resolve_ref(world.SKILLS_REPO, tag)
    w.bus.publish(SkillTagPushed(repository=world.SKILLS_REPO, tag=tag, sha=sha, actor="platform-bot"))
    settle(w)
    return w.registry.get_release(world.SKILL, version), sha


def items_of(w, rel):
    return {i.repo: i for i in w.registry.list_rollout_items(rel.id)}


def pr_labels(w, repo, number):
    return {label["name"] for label in w.gh.pull(repo, number)["labels"]}


def test_the_release_row_records_the_tagged_commit_not_the_bundle_digest(make_world):
    w = make_world(services=1)
    rel, sha = release(w, "2.1.0", "feat: lint step")
    assert rel.commit_sha == sha
    assert rel.bundle_sha256 != sha


def test_a_breaking_security_release_is_breaking_for_generate_pr_and_review_pr(make_world):
    w = make_world(services=2)
    rel, _ = release(w, "2.1.0", "fix(security): pin the builder image",
                     changelog="## 2.1.0\n### Security\n- CVE-2026-1 fixed\n### Breaking\n- `_REGION` is now required\n")
    assert rel.severity.value == "security" and rel.breaking
    for repo, item in items_of(w, rel).items():
        labels = pr_labels(w, repo, item.pr_number)
        assert {"breaking-change", "security", "needs-human-review", "security-review"} <= labels, labels
        decision = next(e for e in w.registry.audit_log(subject=repo) if e["kind"] == "review.decision")
        assert "breaking change" in decision["detail"]["reason"]


def test_a_major_release_rolls_out_in_the_policys_waves_and_the_sweep_opens_the_next(make_world):
    w = make_world(services=6)
    rel, _ = release(w, "3.0.0", "feat!: drop node 18")
    items = items_of(w, rel)
    waves = {i.wave for i in items.values()}
    assert len(items) == 6 and waves == {0, 1, 2, 3}   # staged: pilot 1 %, 10 %, 25 %, all
    first = [r for r, i in items.items() if i.wave == 0]
    assert all(i.state is not RolloutState.REQUESTED for r, i in items.items() if i.wave == 0)
    assert all(i.state is RolloutState.REQUESTED and not w.pulls(r) for r, i in items.items() if i.wave > 0)
    assert "breaking-change" in pr_labels(w, first[0], items[first[0]].pr_number)
    # the pilot merges: the gate (90 % merged, then a day of soak) opens wave 1, and only wave 1
    w.gh.merge_pull(first[0], items[first[0]].pr_number, as_user="lead")
    settle(w)
    w.bus.publish(SweepSlas(requested_at=datetime.now(UTC) + timedelta(hours=1)))
    settle(w)
    assert all(i.state is RolloutState.REQUESTED for i in items_of(w, rel).values() if i.wave > 0)
    w.bus.publish(SweepSlas(requested_at=datetime.now(UTC) + timedelta(hours=25)))
    settle(w)
    after = items_of(w, rel)
    assert {i.wave for i in after.values() if i.state is not RolloutState.REQUESTED} == {0, 1}
