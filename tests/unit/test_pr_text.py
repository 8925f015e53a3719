"""PR bodies people read like Renovate's: from-version in the title, release notes folded with
links to the skills repo, one readable line per upstream change, a review line that agrees with the
labels, and the team's commands at the end."""
from __future__ import annotations

import pytest
from fakes import Fleet
from skillfleet.domain import pr_text
from skillfleet.domain.apply import UpdatePlan
from skillfleet.domain.errors import UserError
from skillfleet.domain.messages import UpdateRepo
from skillfleet.domain.policy import release_policy
from skillfleet.domain.pr_lines import cell, change_line
from skillfleet.handlers import generate_pr


def opened_pr(fleet: Fleet, index: int):
    release = fleet.record_release()
    repo = fleet.services[index].repo
    fleet.run(generate_pr.handle, UpdateRepo(release_id=release.id or 0, skill=release.skill,
                                             version=release.version, repo=repo))
    [pr] = fleet.forge.pulls(repo)
    return release, pr


def test_a_clean_pr_names_both_versions_folds_the_notes_and_lists_the_commands() -> None:
    _release, pr = opened_pr(Fleet(services=1), 0)
    assert pr.title == "[Skills] Update gcp-nodejs-cicd from v2.0.0 to v2.1.0"
    assert "<details>\n<summary>Release notes of gcp-nodejs-cicd v2.1.0</summary>" in pr.body
    compare = "https://github.com/platform/skills/compare/gcp-nodejs-cicd-v2.0.0...gcp-nodejs-cicd-v2.1.0"
    assert f"[compare `gcp-nodejs-cicd-v2.0.0...gcp-nodejs-cicd-v2.1.0`]({compare})" in pr.body
    assert "(https://github.com/platform/skills/releases/tag/gcp-nodejs-cicd-v2.1.0)" in pr.body
    upstream = [line for line in pr.body.splitlines() if line.startswith("  - upstream:")]
    assert upstream and all("->" not in line and '..."' not in line for line in upstream)
    assert any("→" in line for line in upstream)
    tail = pr.body[pr.body.index("<summary>Commands</summary>"):]
    assert all(cmd in tail for cmd in ("/skills ignore", "/skills rebase", "/skills retry"))


def test_a_conflict_pr_never_says_automatic_review() -> None:
    _, pr = opened_pr(Fleet(services=5), 4)          # svc-04 pinned its own node image
    assert pr.draft and "skills-conflict" in pr.labels
    review = next(line for line in pr.body.splitlines() if line.startswith("- Review:"))
    assert "by a person" in review and "auto" not in review.replace("automatically", "")
    assert "| by a person |" in pr.body and "automatic |" not in pr.body
    table = [line for line in pr.body.splitlines() if line.startswith("| `.cloudbuild")]
    assert table and all("…" not in line for line in table)


def test_the_title_template_is_configurable_and_checked() -> None:
    release = Fleet(services=1).record_release()
    assert pr_text.title(release, template="chore(skills): {skill} {from_version} → {version}") == (
        "chore(skills): gcp-nodejs-cicd 2.0.0 → 2.1.0")
    assert pr_text.title(release.model_copy(update={"previous_version": None})) == (
        "[Skills] Add gcp-nodejs-cicd v2.1.0")
    with pytest.raises(UserError, match=r"\{from_version\}"):
        pr_text.title(release, template="Update {skil}")


def test_links_follow_the_github_host_and_the_dashboard() -> None:
    assert pr_text.github_web_url("https://api.github.com") == "https://github.com"
    assert pr_text.github_web_url("https://ghe.example.com/api/v3/") == "https://ghe.example.com"
    release = Fleet(services=1).record_release()
    body = pr_text.body(release, UpdatePlan(files={}, changes=()), release_policy(release), default_branch="main",
                        links=pr_text.Links(web_url="https://ghe.example.com", skills_repo="acme/skills",
                                            dashboard_url="https://dash.example.com/skills"))
    assert "https://ghe.example.com/acme/skills/compare/" in body
    assert "[dashboard](https://dash.example.com/skills)" in body


@pytest.mark.parametrize(("raw", "line"), [
    ('changed steps[id=build].name: "node:18" -> "node:20"', "`steps[id=build].name`: `node:18` → `node:20`"),
    ("changed options.logging: 1 -> 2", "`options.logging`: `1` → `2`"),
    ('added timeout = "600s"', "`timeout` added: `600s`"),
    ("removed options.env", "`options.env` removed"),
    (('changed steps[id=lint]: {"name": "node:20", "args": ["run", "lint", "--max-warnings", "0", "--fo... '
     '-> {"x": 1}'), "`steps[id=lint]`: _a map (see the diff)_ → `{\"x\": 1}`"),
    ("applied upstream line changes", "applied upstream line changes"),
])
def test_each_upstream_change_is_one_readable_line(raw: str, line: str) -> None:
    assert change_line(raw) == line


def test_a_long_conflict_value_is_summarised_not_cut() -> None:
    assert cell({"name": "x" * 80}) == "_a map (see the diff)_"
    assert cell("a|b") == "`a\\|b`" and cell(None) == "_(absent)_"
