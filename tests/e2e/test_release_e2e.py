"""A release through Pub/Sub, as it runs in Google Cloud: every function its own functions-framework
process behind wrapped push subscriptions on the gcloud emulator, GitHub as the emulator process.

The platform's tag message (with a GitHub Actions OIDC token) becomes one PR per service; teams
merge them and the signed webhooks record the merges; a duplicate tag changes nothing; a message
that keeps failing ends on its dead-letter topic after 5 attempts with its payload intact, and
`skillfleet dlq replay` brings it back once GitHub works again.
"""
from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from skillfleet.adapters.bus_pubsub import PubSubBus
from skillfleet.adapters.forge_github import GitHubForge
from skillfleet.adapters.registry import PostgresRegistry
from skillfleet.cli.main import main
from skillfleet.domain.apply import render
from skillfleet.domain.messages import SkillTagPushed, Topic, UpdateRepo, encode
from skillfleet.domain.model import RolloutItem, RolloutState, Service
from skillfleet.domain.versioning import ReleaseTag
from skillfleet.handlers.bundles import build_bundle
from skillfleet.ports import DeadLetter
from skillfleet_dev.demo import world
from skillfleet_dev.devstack.stack import DevStack
from skillfleet_dev.testing.oidc_issuer import OidcIssuer

pytestmark = pytest.mark.e2e
SKILL, OLD, NEW = world.SKILL, "2.0.0", "2.1.0"
SKILLS_REPO = "platform/skills"   # the repository the stack's tag-received trusts (conftest)
TAG = f"{SKILL}-v{NEW}"
# services whose customizations merge cleanly (a pinned Node image is a true conflict: a draft PR
# nobody merges, which the in-process chain tests cover)
SERVICES = [s for s in world.services(9) if s.customization != "pinned-node"][:6]
HEALTHY, POISONED = SERVICES[:5], SERVICES[5]
T = TypeVar("T")


def test_a_release_goes_through_pubsub_to_prs_merges_duplicates_and_dead_letters(
    stack: DevStack, registry: PostgresRegistry, bus: PubSubBus, forge: GitHubForge, issuer: OidcIssuer,
    cli_env: None, capsys: pytest.CaptureFixture[str],
) -> None:
    released, updates = Witness(stack, Topic.SKILL_RELEASED), Witness(stack, Topic.REPO_UPDATE_REQUESTED)
    old_bundle_sha, rendered = _seed_skills_repo(stack, forge)
    for svc in HEALTHY:
        _seed_service(stack, registry, svc, rendered, old_bundle_sha)

    # the skills repo's workflow: commits, the tag, then its message with an Actions OIDC token
    sha = _push_release(stack, forge)
    token = issuer.mint(issuer.github_claims(repository=SKILLS_REPO, tag=TAG, sha=sha,
                                             audience=stack.config.env["SKILLFLEET_OIDC_AUDIENCE"]))
    tag_message = SkillTagPushed(repository=SKILLS_REPO, tag=TAG, sha=sha, actor="release-bot", oidc_token=token)
    bus.publish(tag_message, correlation_id=TAG)

    items = wait_for("a PR per service, recorded pr_open", lambda: _items_in(registry, RolloutState.PR_OPEN),
                     stack, timeout=90)
    assert sorted(items) == sorted(s.repo for s in HEALTHY)
    assert {repo: _open_prs(stack, repo) for repo in items} == {repo: [items[repo].pr_number] for repo in items}

    # at-least-once: the same tag message again re-announces the release and opens nothing new
    assert updates.count() == len(HEALTHY)
    announced = released.count()
    bus.publish(tag_message, correlation_id=TAG)
    wait_for("the duplicate tag handled (release re-announced)", lambda: released.count() > announced, stack)
    time.sleep(3)   # fan-out-repos gets the re-announcement within milliseconds; give it ample time
    assert updates.count() == len(HEALTHY)
    assert {repo: len(_pulls(stack, repo)) for repo in items} == {repo: 1 for repo in items}

    # teams merge: signed webhooks -> github-webhook -> github-events -> record-merge -> registry
    for repo, item in items.items():
        stack.github.merge_pull(repo, item.pr_number or 0, as_user=f"{repo.split('/')[1]}-lead")
    merged = wait_for("every merge recorded", lambda: _items_in(registry, RolloutState.MERGED), stack)
    assert sorted(merged) == sorted(items)
    assert {s.repo: s.version for s in registry.service_skills(skill=SKILL)} == {r: NEW for r in items}

    # a message that keeps failing: GitHub answers 500 for this service, 5 attempts, then dead letter
    _seed_service(stack, registry, POISONED, rendered, old_bundle_sha)
    stack.github.inject_fault("*", f"^/repos/{POISONED.repo}(/|$)", status=500, times=10_000)
    release_id = registry.get_release(SKILL, NEW).id  # type: ignore[union-attr]
    poison = UpdateRepo(release_id=release_id or 0, skill=SKILL, version=NEW, repo=POISONED.repo)
    poison_id = bus.publish(poison, correlation_id="poison")
    letter = wait_for("the poison message on its dead-letter topic",
                      lambda: _dead_letters_via_cli(registry), stack, timeout=120)[0]
    assert (letter.subscription, letter.message_type, letter.attempts) == (
        "generate-pr--repo-update-requested", "UpdateRepo", 5)
    assert letter.data == encode(poison, "poison")[0]                       # payload intact
    assert {k: letter.attributes[k] for k in ("type", "schema_version", "correlation_id")} == \
        {"type": "UpdateRepo", "schema_version": "1", "correlation_id": "poison"}
    assert _retries_logged(stack, poison_id) == 5

    # the cause is fixed; the operator replays it, once
    stack.github.clear_faults()
    assert _pulls(stack, POISONED.repo) == []
    capsys.readouterr()
    assert main(["dlq", "replay", str(letter.id)]) == 0
    assert main(["dlq", "replay", "--all"]) == 0
    out = capsys.readouterr().out
    assert out.count("replayed dead letter") == 1 and "already" not in out
    item = wait_for("the replayed update's PR", lambda: _item(registry, POISONED.repo, RolloutState.PR_OPEN), stack)
    assert [p["number"] for p in _pulls(stack, POISONED.repo)] == [item.pr_number]
    assert registry.list_dead_letters() == []


# --- seeding ----------------------------------------------------------------------------------
def _seed_skills_repo(stack: DevStack, forge: GitHubForge) -> tuple[str, str]:
    stack.github.create_repo(SKILLS_REPO, world.skill_files(OLD, world.CLOUDBUILD_V2_0))
    stack.github.create_tag(SKILLS_REPO, f"{SKILL}-v{OLD}", "main")
    tree = forge.read_tree(SKILLS_REPO, f"{SKILL}-v{OLD}", prefix=f"{SKILL}/")
    base = build_bundle(tree, ReleaseTag.parse(f"{SKILL}-v{OLD}"))
    return base.sha256, base.text("files/cloudbuild.yaml")


def _seed_service(stack: DevStack, registry: PostgresRegistry, svc: world.DemoService, template: str,
                  bundle_sha: str) -> None:
    service = Service(repo=svc.repo, team=svc.team)
    stack.github.create_repo(svc.repo, world.service_files(svc, render(template, service), bundle_sha))
    registry.upsert_service(service)
    registry.set_service_skill(svc.repo, SKILL, OLD)


def _push_release(stack: DevStack, forge: GitHubForge) -> str:
    for i, message in enumerate(world.V2_1_COMMITS):
        last = i == len(world.V2_1_COMMITS) - 1
        files = world.skill_files(NEW, world.CLOUDBUILD_V2_1) if last else {f"{SKILL}/CHANGES-{i}.md": message}
        stack.github.commit(SKILLS_REPO, "main", files, message, as_user="platform-dev")
    stack.github.create_tag(SKILLS_REPO, TAG, "main")
    return forge.resolve_ref(SKILLS_REPO, TAG)


# --- observing ---------------------------------------------------------------------------------
def wait_for(what: str, check: Callable[[], T], stack: DevStack, timeout: float = 60.0) -> T:
    """Poll `check` until it returns something truthy; on timeout fail with every process's log tail."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{stack.log_tails()}")
        time.sleep(0.5)


# --- observing (old) --------------------------------------------------------------------------------
def _items_in(registry: PostgresRegistry, state: RolloutState) -> dict[str, RolloutItem]:
    release = registry.get_release(SKILL, NEW)
    if release is None or release.id is None:
        return {}
    items = registry.list_rollout_items(release.id)
    healthy = [i for i in items if i.repo != POISONED.repo]
    if len(healthy) < len(HEALTHY) or any(i.state is not state for i in healthy):
        return {}
    return {i.repo: i for i in healthy}


def _item(registry: PostgresRegistry, repo: str, state: RolloutState) -> RolloutItem | None:
    release = registry.get_release(SKILL, NEW)
    item = registry.get_rollout_item(release.id or 0, repo) if release else None
    return item if item is not None and item.state is state else None


def _pulls(stack: DevStack, repo: str, state: str = "all") -> list[dict[str, Any]]:
    """The PRs GitHub (the emulator) shows for repo, over its REST API."""
    req = urllib.request.Request(f"{stack.github.api_url}/repos/{repo}/pulls?state={state}&per_page=100",
                                 headers={"Authorization": f"token {stack.config.github_token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return list(json.loads(resp.read()))


def _open_prs(stack: DevStack, repo: str) -> list[int]:
    return [p["number"] for p in _pulls(stack, repo, state="open")]


class Witness:
    """A pull subscription of our own on a topic: counts what the functions published there."""

    def __init__(self, stack: DevStack, topic: str) -> None:
        self._admin, self._name, self._seen = stack.admin, f"witness--{topic}", 0
        self._admin.pull_subscription(self._name, topic)

    def count(self) -> int:
        got = self._admin.pull(self._name)
        self._admin.ack(self._name, [m.ack_id for m in got])
        self._seen += len(got)
        return self._seen


def _dead_letters_via_cli(registry: PostgresRegistry) -> list[DeadLetter]:
    """What an operator does: `skillfleet dlq list` (moves dead letters into the registry)."""
    assert main(["dlq", "list"]) == 0
    return registry.list_dead_letters()


def _retries_logged(stack: DevStack, message_id: str) -> int:
    """generate-pr's log lines saying this message failed and will be retried: one per delivery."""
    count = 0
    for line in stack.logs()["generate-pr"].read_text().splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        labels = record.get("logging.googleapis.com/labels", {})
        if labels.get("message_id") == message_id and "will retry" in record.get("message", ""):
            count += 1
    return count
