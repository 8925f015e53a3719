"""generate-pr as bootstrap wires it: the PR text settings (title template, GitHub and skills repo)
reach the PR the in-process chain opens."""
from __future__ import annotations

from pathlib import Path

from fakes import Fleet
from skillfleet.bootstrap import local
from skillfleet.domain.messages import UpdateRepo
from skillfleet.runtime.settings import Settings


def test_the_title_template_and_the_configured_skills_repo_reach_the_opened_pr(tmp_path: Path) -> None:
    fleet = Fleet(services=1)
    release = fleet.record_release()
    repo = fleet.services[0].repo
    settings = Settings(state_dir=tmp_path, require_oidc=False, skills_repo="acme/skill-library",  # type: ignore[arg-type]
                        github_url="https://ghe.acme.test/api/v3",
                        pr_title_template="skills: {skill} v{from_version} → v{version} ({tag})")
    chain = local(settings, registry=fleet.registry, forge=fleet.forge, blobs=fleet.blobs, notifier=fleet.notifier)
    chain.bus.publish(UpdateRepo(release_id=release.id or 0, skill=release.skill, version="2.1.0", repo=repo))
    chain.drain()
    [pr] = fleet.forge.pulls(repo)
    assert pr.title == "skills: gcp-nodejs-cicd v2.0.0 → v2.1.0 (gcp-nodejs-cicd-v2.1.0)"
    assert "https://ghe.acme.test/acme/skill-library/releases/tag/gcp-nodejs-cicd-v2.1.0" in pr.body
    assert "github.com/platform/skills" not in pr.body
