"""review-pr, sla-sweep and drift-scan on the real chain: embedded PostgreSQL, the GitHub emulator,
signed webhooks, PyGithub over HTTP and a local Slack. What a platform team would check."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from kit import WEBHOOKS, needs_kit
from pydantic import SecretStr
from skillfleet.domain.apply import render
from skillfleet.domain.messages import ScanDrift, SweepSlas
from skillfleet.domain.model import RolloutState, Service
from skillfleet.domain.signatures import sign
from skillfleet.handlers import github_webhook, review_pr
from skillfleet.handlers.bundles import bundle_for_version
from skillfleet_dev.demo import world
from skillfleet_dev.demo.run import WEBHOOK_SECRET
from skillfleet_dev.testing.slack_server import SlackServer
from test_chain import World  # the chain's world, reused (tests/integration is on sys.path)

pytestmark = [pytest.mark.integration, needs_kit]   # every review here starts from a recorded GitHub payload
FIXTURES = WEBHOOKS
BRANCH = "skills/gcp-nodejs-cicd-v2.1.0"
SLACK_TOKEN = "xoxb-test-token"


@pytest.fixture
def slack():
    with SlackServer(token=SLACK_TOKEN) as server:
        yield server


@pytest.fixture
def make_world(tmp_path, registry, settings, slack):
    made = []
    s = settings.model_copy(update={"slack_token": SecretStr(SLACK_TOKEN), "slack_base_url": slack.base_url})

    def make(**kw):
        made.append(World(tmp_path, registry, s, **kw))
        return made[-1]

    yield make
    for w in made:
        w.close()


def labels(w, repo):
    item = w.items()[repo]
    return {label["name"] for label in w.gh.pull(repo, item.pr_number)["labels"]}


def settle(w):
    for _ in range(3):   # bus -> GitHub -> webhooks -> bus, until quiet
        w.bus.drain()
        w.gh.flush()
    return w.bus.drain()


def check_suite(w, repo, conclusion, *, with_pull=True, delivery=None):
    """A signed check_suite.completed delivery in GitHub's shape, for the head of the skills branch."""
    payload = json.loads((FIXTURES / "octokit_check_suite.completed.payload.json").read_text())
    sha = w.gh.branches(repo, prefix=BRANCH)[BRANCH]
    number = w.items()[repo].pr_number
    payload["repository"]["full_name"] = repo
    payload["check_suite"].update(head_branch=BRANCH, head_sha=sha, conclusion=conclusion, pull_requests=[
        {"number": number, "head": {"ref": BRANCH, "sha": sha}, "base": {"ref": "main"}}] if with_pull else [])
    body = json.dumps(payload).encode()
    headers = {"X-GitHub-Event": "check_suite", "X-GitHub-Delivery": delivery or f"cs-{repo}-{conclusion}",
               "X-Hub-Signature-256": sign(WEBHOOK_SECRET.encode(), body)}
    reply = github_webhook.handle(headers, body, secret=WEBHOOK_SECRET.encode(), registry=w.registry, bus=w.bus)
    assert reply.status in (200, 202)
    settle(w)


# --- review-pr ---------------------------------------------------------------------------------
def test_prs_are_labelled_and_only_a_green_unprotected_eligible_pr_is_merged(make_world):
    w = make_world(services=4)
    w.release()
    repos = [s.repo for s in w.services]
    for repo in repos:   # v2.1.0 is a minor, non-breaking release: review auto
        assert "skills-auto-merge-eligible" in labels(w, repo)
        assert w.items()[repo].state is RolloutState.PR_OPEN   # no CI ran: nothing merged on its own
    green, red, protected, branch_only = repos
    w.gh.protect_branch(protected, required_approvals=1)
    check_suite(w, green, "success")
    check_suite(w, red, "failure")
    check_suite(w, protected, "success")
    check_suite(w, branch_only, "success", with_pull=False)   # a suite GitHub did not link to the PR
    items = w.items()
    assert items[green].state is RolloutState.MERGED and items[branch_only].state is RolloutState.MERGED
    assert w.gh.read_file(green, ".cloudbuild/cloudbuild.yaml").decode().count("node:20") >= 2
    assert items[red].state is RolloutState.PR_OPEN and "skills-checks-failed" in labels(w, red)
    assert items[protected].state is RolloutState.PR_OPEN and "needs-human-review" in labels(w, protected)
    # a redelivered suite (new delivery id) for a merged PR changes nothing
    check_suite(w, green, "success", delivery="again")
    assert w.items()[green].state is RolloutState.MERGED


class ChecksFinishFirst:
    """CI completes on the pushed branch before generate-pr has recorded the PR (out of order)."""

    def __init__(self, inner):
        self._inner, self.world, self.fired = inner, None, False

    def transition(self, release_id, repo, to, **kw):
        if to is RolloutState.PR_OPEN and not self.fired:
            self.fired = True
            self._early_success(repo)
        return self._inner.transition(release_id, repo, to, **kw)

    def _early_success(self, repo):
        from skillfleet.domain.messages import GitHubEventReceived
        sha = self.world.gh.branches(repo, prefix=BRANCH)[BRANCH]
        event = GitHubEventReceived(delivery_id="early", event="check_suite", action="completed", repo=repo, payload={
            "repository": {"full_name": repo},
            "check_suite": {"head_branch": BRANCH, "head_sha": sha, "conclusion": "success", "pull_requests": []}})
        review_pr.on_github_event(event, registry=self._inner, forge=self.world.app.forge,
                                  blobs=self.world.app.blobs)

    def __getattr__(self, name):
        return getattr(self._inner, name)


def test_checks_that_finished_before_the_pr_was_recorded_still_count(make_world, registry, settings, tmp_path):
    wrapper = {}

    def wrap(inner):
        wrapper["w"] = ChecksFinishFirst(inner)
        return wrapper["w"]

    w = make_world(services=1, wrap=wrap)
    wrapper["w"].world = w
    w.release()
    settle(w)
    assert wrapper["w"].fired
    assert w.items()[w.services[0].repo].state is RolloutState.MERGED


# --- sla-sweep ---------------------------------------------------------------------------------
def add_late_service(w, name="acme/growth-svc-late", *, wave=1):
    """A service that joined after the release (with env-var edits); its item waits in `wave`."""
    base = bundle_for_version(world.SKILL, "2.0.0", registry=w.registry, blobs=w.app.blobs, forge=w.app.forge,
                              skills_repo=world.SKILLS_REPO)
    service = Service(repo=name, team="growth")
    svc = world.DemoService(name, "growth", "env-vars")
    w.gh.create_repo(name, world.service_files(svc, render(base.text("files/cloudbuild.yaml"), service), base.sha256))
    w.registry.upsert_service(service)
    w.registry.set_service_skill(name, world.SKILL, "2.0.0")
    if wave is not None:
        w.registry.ensure_rollout_item(w.registry.get_release(world.SKILL, "2.1.0").id, name, wave)
    return name


NOW = datetime.now(UTC)


def sweep(w, days):
    w.bus.publish(SweepSlas(requested_at=NOW + timedelta(days=days)))
    return settle(w)


def comments(w, repo):
    item = w.items()[repo]
    return [c for c in w.gh.hub.repo_by_name(repo).pull(item.pr_number).comments if "Reminder" in c.body]


def test_overdue_prs_are_reminded_once_a_day_escalated_past_twice_the_sla_and_the_next_wave_follows(
        make_world, slack):
    w = make_world(services=3)
    w.release()
    late = add_late_service(w)
    repos = [s.repo for s in w.services]
    sweep(w, days=1)                       # minor release: 14 days to merge
    assert not any(comments(w, r) for r in repos)
    sweep(w, days=15)
    sweep(w, days=15)                      # the same day again: quiet
    assert all(len(comments(w, r)) == 1 for r in repos)
    assert not any("skills-sla-escalated" in labels(w, r) for r in repos)
    assert w.items()[late].state is RolloutState.REQUESTED   # wave 0 is not done
    sweep(w, days=29)
    assert all(len(comments(w, r)) == 2 and "skills-sla-escalated" in labels(w, r) for r in repos)
    digests = [p.text for p in slack.posts if "SLA sweep" in p.text]
    assert len(digests) == 2, digests
    # the teams merge; wave 0 is done and soaked and the late service gets its PR (a decline would
    # pause the rollout: over the gradual gate's 25 % rejected, see tests/integration/test_rollout_chain.py)
    for repo in repos:
        w.gh.merge_pull(repo, w.items()[repo].pr_number, as_user="lead")
    settle(w)
    sweep(w, days=30)
    assert w.items()[late].state is RolloutState.PR_OPEN
    last = [p for p in slack.posts if "SLA sweep" in p.text][-1]
    assert "next wave started 1" in last.text and "wave 1 started" in json.dumps(last.blocks)


# --- drift-scan --------------------------------------------------------------------------------
def test_drift_outside_owned_paths_is_reported_once_per_scan_and_remediation_opens_a_pr(make_world, slack):
    w = make_world(services=6)   # customizations: extra custom-* step, env vars, machine type, region, ...
    scan = ScanDrift(skill=world.SKILL)
    w.bus.publish(scan)
    w.bus.publish(scan)          # a redelivery of the same scan
    settle(w)
    digests = [p.text for p in slack.posts if "drift" in p.text]
    assert len(digests) == 1, digests
    audit = [e for e in w.registry.audit_log(subject=world.SKILL) if e["kind"] == "drift.scan"]
    findings = audit[0]["detail"]["findings"]
    # custom-* steps, machine type, region and comments are the services' own; env vars and a
    # pinned Node image are edits to what the skill manages
    drifting = {"env-vars": ["steps[id=test].env (added)"],
                "pinned-node": ["steps[id=install].name", "steps[id=test].name"]}
    expected = [{"repo": s.repo, "file": ".cloudbuild/cloudbuild.yaml", "paths": drifting[s.customization]}
                for s in w.services if s.customization in drifting]
    assert len(expected) == 2 and sorted(findings, key=str) == sorted(expected, key=str)
    drifted = next(s.repo for s in w.services if s.customization == "env-vars")
    w.release()
    late = add_late_service(w, wave=None)   # drifted too, not yet on 2.1.0, not in the rollout
    w.bus.publish(ScanDrift(skill=world.SKILL, remediate=True))
    settle(w)
    assert w.items()[late].state is RolloutState.PR_OPEN
    assert len(w.pulls(drifted)) == 1   # already has its PR for 2.1.0: no second one
