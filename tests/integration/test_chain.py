"""The walking skeleton end to end, in-process: real PostgreSQL, the GitHub emulator on real git,
PyGithub over HTTP, signed webhooks. What a platform team would check before trusting it."""
from __future__ import annotations

import json

import pytest
from skillfleet.adapters.blob_local import LocalBlobStore
from skillfleet.adapters.bus_memory import InProcessBus
from skillfleet.bootstrap import bootstrap, consumers
from skillfleet.domain.messages import SkillTagPushed
from skillfleet.domain.model import RolloutState
from skillfleet.domain.signatures import sign
from skillfleet.handlers import github_webhook
from skillfleet_dev.demo import world
from skillfleet_dev.demo.run import TOKEN, WEBHOOK_SECRET, release_tag, seed_world
from skillfleet_dev.demo.webhook_server import WebhookServer
from skillfleet_dev.ghemu import GitHubEmulator

pytestmark = pytest.mark.integration
TAG = "gcp-nodejs-cicd-v2.1.0"


class World:
    def __init__(self, tmp_path, registry, settings, *, services=6, duplicate=False, workers=1, wrap=None):
        self.gh = GitHubEmulator(tmp_path / "gh", token=TOKEN, webhook_secret=WEBHOOK_SECRET)
        self.gh.start()
        self.gh.disable_rate_limits()
        self.registry = wrap(registry) if wrap else registry
        self.bus = InProcessBus(registry=self.registry, duplicate=duplicate, workers=workers, max_attempts=5)
        s = settings.model_copy(update={"github_url": f"{self.gh.url}/api/v3", "skills_repo": world.SKILLS_REPO,
                                        "require_oidc": False})
        from skillfleet.adapters.forge_github import GitHubForge
        self.app = bootstrap(s, registry=self.registry, bus=self.bus, blobs=LocalBlobStore(tmp_path / "blobs"),
                             forge=GitHubForge(f"{self.gh.url}/api/v3", TOKEN, throttle=False, retries=0),
                             verify_tag_token=None)
        for c in consumers(self.app):
            self.bus.subscribe(c)
        self.hooks = WebhookServer(lambda h, b: github_webhook.handle(
            h, b, secret=WEBHOOK_SECRET.encode(), registry=self.registry, bus=self.bus)).__enter__()
        self.gh.add_hook(self.hooks.url, WEBHOOK_SECRET)
        self.services = seed_world(self.gh, self.app, services)

    def release(self):
        release_tag(self.gh, self.app)
        return self.bus.drain()

    def items(self):
        rel = self.registry.get_release(world.SKILL, "2.1.0")
        return {i.repo: i for i in self.registry.list_rollout_items(rel.id)} if rel else {}

    def pulls(self, repo):
        return [p for p in self.gh.pulls(repo)]

    def close(self):
        self.hooks.__exit__(None, None, None)
        self.gh.stop()


@pytest.fixture
def make_world(tmp_path, registry, settings):
    made = []

    def make(**kw):
        w = World(tmp_path, registry, settings, **kw)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


def test_a_tag_becomes_one_pr_per_service_with_title_labels_and_description(make_world):
    w = make_world(services=6)
    w.release()
    items = w.items()
    assert len(items) == 6
    for svc in w.services:
        pulls = w.pulls(svc.repo)
        assert len(pulls) == 1, svc.repo
        pr = pulls[0]
        assert pr["title"] == "[Skills] Update gcp-nodejs-cicd from v2.0.0 to v2.1.0"
        assert pr["head"]["ref"] == "skills/gcp-nodejs-cicd-v2.1.0"
        labels = {label["name"] for label in pr["labels"]}
        assert {"skills-update", "severity:minor"} <= labels
        for section in ("## What changed", "## Impact", "## Files", "## Rollback"):
            assert section in pr["body"]
        assert items[svc.repo].pr_number == pr["number"]
        assert items[svc.repo].state in (RolloutState.PR_OPEN, RolloutState.CONFLICT)
    meta = json.loads(w.gh.read_file(w.services[0].repo, ".skills-metadata.json", ref=TAG_BRANCH).decode())
    assert meta["skills"]["gcp-nodejs-cicd"]["version"] == "2.1.0"


TAG_BRANCH = "skills/gcp-nodejs-cicd-v2.1.0"


def test_every_message_delivered_twice_and_concurrently_gives_exactly_one_pr_and_one_row(make_world):
    w = make_world(services=8, duplicate=True, workers=4)
    stats = w.release()
    assert stats.dead_lettered == 0
    assert len(w.items()) == 8
    for svc in w.services:
        assert len(w.pulls(svc.repo)) == 1, svc.repo
        assert sum(1 for b in w.gh.branches(svc.repo) if b.startswith("skills/")) == 1
    assert len(w.registry.list_services(skill=world.SKILL)) == 8


def test_a_crash_after_the_branch_before_the_pr_recovers_on_retry_without_duplicates(make_world):
    w = make_world(services=3)
    target = w.services[0].repo
    w.gh.inject_fault("POST", rf"/repos/{target}/pulls$", status=502, times=1)
    stats = w.release()
    assert stats.retried >= 1 and stats.dead_lettered == 0
    assert len(w.pulls(target)) == 1 and sum(1 for b in w.gh.branches(target) if b.startswith("skills/")) == 1
    assert w.items()[target].state in (RolloutState.PR_OPEN, RolloutState.CONFLICT)


class CrashOnceAfterPr:
    """The registry dies once right after the PR was opened, before it is recorded."""

    def __init__(self, inner):
        self._inner, self.crashed = inner, False

    def transition(self, release_id, repo, to, **kw):
        if to in (RolloutState.PR_OPEN, RolloutState.CONFLICT) and not self.crashed:
            self.crashed = True
            raise ConnectionResetError("registry connection lost")
        return self._inner.transition(release_id, repo, to, **kw)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_a_crash_after_the_pr_before_it_is_recorded_recovers_without_a_second_pr(make_world):
    w = make_world(services=2, wrap=CrashOnceAfterPr)
    stats = w.release()
    assert w.registry.crashed and stats.retried >= 1
    for svc in w.services:
        assert len(w.pulls(svc.repo)) == 1
        assert w.items()[svc.repo].pr_number is not None


def test_merges_and_rejections_come_back_as_signed_webhooks_and_are_recorded(make_world):
    w = make_world(services=3)
    w.release()
    items = w.items()
    merged, rejected = w.services[0].repo, w.services[1].repo
    w.gh.merge_pull(merged, items[merged].pr_number, as_user="lead")
    w.gh.close_pull(rejected, items[rejected].pr_number, as_user="lead", comment="we are moving to Go")
    w.gh.flush()
    w.bus.drain()
    items = w.items()
    assert items[merged].state is RolloutState.MERGED
    assert items[rejected].state is RolloutState.REJECTED and items[rejected].reason == "we are moving to Go"
    versions = {s.repo: s.version for s in w.registry.service_skills(skill=world.SKILL)}
    assert versions[merged] == "2.1.0" and versions[rejected] == "2.0.0"
    adoption = w.registry.adoption(world.SKILL, "2.1.0")
    assert (adoption.overall.merged, adoption.overall.rejected, adoption.overall.total) == (1, 1, 3)


def test_a_forged_webhook_signature_is_refused_and_nothing_is_recorded(make_world):
    w = make_world(services=1)
    w.release()
    repo = w.services[0].repo
    item = w.items()[repo]
    payload = {"action": "closed", "number": item.pr_number, "repository": {"full_name": repo},
               "pull_request": {"number": item.pr_number, "merged": True, "head": {"ref": TAG_BRANCH}}}
    body = json.dumps(payload).encode()
    headers = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "forged-1",
               "X-Hub-Signature-256": sign(b"not-the-secret", body)}
    reply = github_webhook.handle(headers, body, secret=WEBHOOK_SECRET.encode(), registry=w.registry, bus=w.bus)
    assert reply.status == 401
    reply = github_webhook.handle({**headers, "X-Hub-Signature-256": ""}, body, secret=WEBHOOK_SECRET.encode(),
                                  registry=w.registry, bus=w.bus)
    assert reply.status == 401
    w.bus.drain()
    assert w.items()[repo].state is item.state
    assert w.registry.first_time("github-delivery", "forged-1")   # never marked as received
    # the genuine delivery with the same id is accepted once, and its replay dropped
    good = {**headers, "X-Hub-Signature-256": sign(WEBHOOK_SECRET.encode(), body), "X-GitHub-Delivery": "real-1"}
    assert github_webhook.handle(good, body, secret=WEBHOOK_SECRET.encode(), registry=w.registry,
                                 bus=w.bus).status == 202
    assert github_webhook.handle(good, body, secret=WEBHOOK_SECRET.encode(), registry=w.registry,
                                 bus=w.bus).status == 200


def test_a_malformed_tag_is_parked_with_its_reason_and_records_nothing(make_world):
    w = make_world(services=1)
    w.bus.publish(SkillTagPushed(repository=world.SKILLS_REPO, tag="gcp-nodejs-cicd-2.1", sha="0" * 40))
    stats = w.bus.drain()
    assert stats.rejected == 1 and stats.retried == 0
    parked = w.registry.list_dead_letters()
    assert len(parked) == 1 and "malformed release tag" in parked[0].error
    assert w.registry.latest_release(world.SKILL) is None
