"""Team commands and people's commits on an update branch, through the handlers on the fakes."""
from __future__ import annotations

from typing import Any

from fakes import Fleet
from skillfleet.domain.messages import GitHubEventReceived, SkillReleased, UpdateRepo
from skillfleet.domain.model import RolloutState
from skillfleet.handlers import fan_out_repos, generate_pr, record_merge, team_commands

CLOUDBUILD = ".cloudbuild/cloudbuild.yaml"


def command(repo: str, number: int, body: str, *, login: str = "dana", association: str = "MEMBER",
            comment_id: int = 1) -> GitHubEventReceived:
    payload: dict[str, Any] = {
        "action": "created", "repository": {"full_name": repo},
        "issue": {"number": number, "pull_request": {"url": f"https://api.test/{repo}/pulls/{number}"}},
        "comment": {"id": comment_id, "body": body, "author_association": association,
                    "user": {"login": login, "type": "User"}}}
    return GitHubEventReceived(delivery_id=f"c-{comment_id}", event="issue_comment", action="created", repo=repo,
                               payload=payload)


def pushed(repo: str, number: int, sha: str) -> GitHubEventReceived:
    payload = {"action": "synchronize", "after": sha, "repository": {"full_name": repo},
               "pull_request": {"number": number, "head": {"ref": Fleet.BRANCH, "sha": sha}}}
    return GitHubEventReceived(delivery_id=f"s-{sha}", event="pull_request", action="synchronize", repo=repo,
                               payload=payload)


def opened(fleet: Fleet, repo: str) -> tuple[Any, Any]:
    release = fleet.record_release()
    fleet.run(generate_pr.handle, UpdateRepo(release_id=release.id, skill=release.skill, version="2.1.0", repo=repo))
    [pr] = fleet.forge.pulls(repo)
    return release, pr


def test_ignore_closes_the_pr_records_it_and_no_fan_out_proposes_that_version_again() -> None:
    fleet = Fleet(services=2)
    repo, other = fleet.services[0].repo, fleet.services[1].repo
    release, pr = opened(fleet, repo)
    fleet.run(team_commands.handle, command(repo, pr.number, "/skills ignore"))
    fleet.run(team_commands.handle, command(repo, pr.number, "/skills ignore"))     # a redelivery: once
    item = fleet.registry.get_rollout_item(release.id, repo)
    assert item is not None and item.state is RolloutState.REJECTED and "/skills ignore by @dana" in (item.reason or "")
    assert pr.state == "closed" and len(pr.comments) == 1 and "will not propose" in pr.comments[0]
    # GitHub's closed webhook (sent by the bot's close) keeps the reason
    fleet.run(record_merge.handle, GitHubEventReceived(
        delivery_id="x", event="pull_request", action="closed", repo=repo, payload={
            "repository": {"full_name": repo}, "sender": {"login": "skillfleet[bot]", "type": "Bot"},
            "pull_request": {"number": pr.number, "merged": False}}))
    assert "/skills ignore" in (fleet.registry.get_rollout_item(release.id, repo).reason or "")
    assert [a["kind"] for a in fleet.registry.audit_log(subject=repo) if a["kind"].startswith("skill")] != []
    # a tag redelivery: fan-out selects the other service only
    assert [s.repo for s in fleet.registry.rollout_candidates(Fleet.SKILL, below="2.1.0")] == [other]
    fleet.run(fan_out_repos.handle, SkillReleased(release_id=release.id, skill=release.skill, version="2.1.0",
                                                  previous_version="2.0.0", severity=release.severity,
                                                  bundle_uri=release.bundle_uri,
                                                  bundle_sha256=release.bundle_sha256))
    assert repo not in {m.repo for m in fleet.bus.of_type(UpdateRepo)}


def test_ignore_major_declines_every_later_major_not_minors() -> None:
    fleet = Fleet(services=1)
    repo = fleet.services[0].repo
    _release, pr = opened(fleet, repo)
    fleet.run(team_commands.handle, command(repo, pr.number, "thanks\n/skills ignore-major", association="OWNER"))
    assert fleet.registry.ignored_repos(Fleet.SKILL, "2.9.0") == {repo}
    assert fleet.registry.ignored_repos(Fleet.SKILL, "3.0.0") == {repo}
    assert fleet.registry.ignored_repos(Fleet.SKILL, "1.9.0") == set()


def test_someone_without_write_access_gets_a_polite_reply_and_nothing_changes() -> None:
    fleet = Fleet(services=1)
    repo = fleet.services[0].repo
    _release, pr = opened(fleet, repo)
    fleet.run(team_commands.handle, command(repo, pr.number, "/skills ignore", login="drive-by",
                                            association="CONTRIBUTOR"))
    assert pr.state == "open" and "Only people with write access" in pr.comments[-1]
    assert fleet.registry.ignored_repos(Fleet.SKILL, "2.1.0") == set()
    [audit] = [a for a in fleet.registry.audit_log(subject=repo) if a["kind"] == "skills.command"]
    assert audit["detail"]["outcome"] == "refused"


def test_a_persons_commit_blocks_updates_until_rebase_takes_the_branch_back() -> None:
    fleet = Fleet(services=1)
    repo = fleet.services[0].repo
    release, pr = opened(fleet, repo)
    theirs = fleet.forge.push(repo, {"NOTES.md": "mine\n"}, "update", branch=Fleet.BRANCH)   # the bot's message
    fleet.run(team_commands.handle, pushed(repo, pr.number, theirs))
    assert fleet.registry.blocked_items(release.id) == {repo: "edited by a person"}
    # a redelivered update changes nothing on the branch
    fleet.run(generate_pr.handle, UpdateRepo(release_id=release.id, skill=release.skill, version="2.1.0", repo=repo))
    assert fleet.forge.resolve_ref(repo, Fleet.BRANCH) == theirs
    fleet.run(team_commands.handle, command(repo, pr.number, "/skills rebase", comment_id=7))
    [asked] = [m for m in fleet.bus.of_type(UpdateRepo) if m.repo == repo]
    fleet.run(generate_pr.handle, asked)
    fleet.run(generate_pr.handle, asked)                       # redelivered: rewritten once
    head = fleet.forge.resolve_ref(repo, Fleet.BRANCH)
    assert head != theirs and "NOTES.md" not in fleet.forge.files(repo, Fleet.BRANCH)
    assert "node:20" in fleet.forge.files(repo, Fleet.BRANCH)[CLOUDBUILD]
    assert fleet.registry.blocked_items(release.id) == {}
    assert fleet.registry.branch_guard(release.id, repo).head_sha == head
    fleet.run(team_commands.handle, pushed(repo, pr.number, head))      # our own push blocks nothing
    assert fleet.registry.blocked_items(release.id) == {}


def test_a_failed_item_blocked_by_a_persons_commit_is_not_overwritten_by_retry() -> None:
    fleet = Fleet(services=1)
    repo = fleet.services[0].repo
    release, pr = opened(fleet, repo)
    theirs = fleet.forge.push(repo, {"NOTES.md": "mine\n"}, "fix", branch=Fleet.BRANCH)
    fleet.registry.items[(release.id, repo)].state = RolloutState.FAILED       # e.g. a later run failed
    fleet.run(team_commands.handle, command(repo, pr.number, "/skills retry", comment_id=9))
    [asked] = [m for m in fleet.bus.of_type(UpdateRepo) if m.repo == repo]
    fleet.run(generate_pr.handle, asked)
    assert fleet.forge.resolve_ref(repo, Fleet.BRANCH) == theirs
    assert fleet.registry.blocked_items(release.id) == {repo: "edited by a person"}
    assert "trying this update again" in pr.comments[-1]


def test_unignore_on_the_closed_pr_lifts_the_ignore_and_proposes_the_version_again_once() -> None:
    fleet = Fleet(services=1)
    repo = fleet.services[0].repo
    release, pr = opened(fleet, repo)
    fleet.run(team_commands.handle, command(repo, pr.number, "/skills ignore", comment_id=1))
    assert pr.state == "closed"
    unignore = command(repo, pr.number, "/skills unignore", comment_id=2)
    fleet.run(team_commands.handle, unignore)
    fleet.run(team_commands.handle, unignore)                  # a redelivery: lifted and queued once
    assert fleet.registry.ignored_repos(Fleet.SKILL, "2.1.0") == set() and fleet.registry.list_ignores() == []
    item = fleet.registry.get_rollout_item(release.id, repo)
    assert item is not None and item.state is RolloutState.REQUESTED and item.reason == "ignore lifted by dana"
    [asked] = [m for m in fleet.bus.of_type(UpdateRepo) if m.repo == repo]
    assert len(pr.comments) == 2 and "lifted this repository's ignores" in pr.comments[-1]
    assert "v2.1.0" in pr.comments[-1] and "a new PR follows" in pr.comments[-1]
    fleet.run(generate_pr.handle, asked)
    fresh = [p for p in fleet.forge.pulls(repo) if p.state == "open"]
    assert len(fresh) == 1 and fresh[0].number != pr.number
    item = fleet.registry.get_rollout_item(release.id, repo)
    assert item is not None and item.state is RolloutState.PR_OPEN and item.pr_number == fresh[0].number
    [audit] = [a["detail"] for a in fleet.registry.audit_log(subject=repo) if a["kind"] == "skill.unignored"]
    assert audit == {"skill": Fleet.SKILL, "actor": "dana", "lifted": ["v2.1.0"]}
    commands = [a["detail"] for a in fleet.registry.audit_log(subject=repo) if a["kind"] == "skills.command"]
    assert [(c["command"], c["outcome"]) for c in reversed(commands)] == [("ignore", "done"), ("unignore", "done")]


def test_unignore_after_ignore_major_brings_the_newest_release_the_repo_was_skipped_for() -> None:
    fleet = Fleet(services=1)
    repo = fleet.services[0].repo
    release, pr = opened(fleet, repo)
    fleet.run(team_commands.handle, command(repo, pr.number, "/skills ignore-major", comment_id=1))
    newer, _ = fleet.registry.record_release(release.model_copy(update={
        "id": None, "version": "2.2.0", "previous_version": "2.1.0", "tag": f"{Fleet.SKILL}-v2.2.0"}))
    assert fleet.registry.rollout_candidates(Fleet.SKILL, below="2.2.0") == []      # fan-out skips the repo
    fleet.run(team_commands.handle, command(repo, pr.number, "/skills unignore", comment_id=2))
    assert [(m.version, m.repo) for m in fleet.bus.of_type(UpdateRepo)] == [("2.2.0", repo)]
    item = fleet.registry.get_rollout_item(newer.id, repo)
    assert item is not None and item.state is RolloutState.REQUESTED
    assert "v2 and later majors" in pr.comments[-1] and "v2.2.0 is proposed" in pr.comments[-1]
    # the 2.1.0 PR stays declined: only the newest release is proposed again
    assert fleet.registry.get_rollout_item(release.id, repo).state is RolloutState.REJECTED


def test_unignore_with_nothing_to_lift_says_so_and_a_drive_by_is_refused() -> None:
    fleet = Fleet(services=1)
    repo = fleet.services[0].repo
    _release, pr = opened(fleet, repo)
    fleet.run(team_commands.handle, command(repo, pr.number, "/skills unignore", comment_id=1))
    assert "nothing to lift" in pr.comments[-1]
    fleet.run(team_commands.handle, command(repo, pr.number, "/skills ignore", comment_id=2))
    fleet.run(team_commands.handle, command(repo, pr.number, "/skills unignore", login="mallory",
                                            association="NONE", comment_id=3))
    assert "Only people with write access" in pr.comments[-1]
    assert fleet.registry.ignored_repos(Fleet.SKILL, "2.1.0") == {repo}
    assert [m for m in fleet.bus.of_type(UpdateRepo) if m.repo == repo] == []


def test_every_command_is_listed_in_the_help_reply_and_in_the_pr_body() -> None:
    from skillfleet.domain import pr_text
    listed = {cmd.removeprefix("/skills ") for cmd, _ in pr_text.COMMANDS}
    assert listed == set(team_commands._ACTIONS)
    assert all(f"`/skills {name}`" in team_commands.HELP for name in team_commands._ACTIONS)
