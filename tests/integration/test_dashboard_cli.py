"""The CLI for scripts: --json on the read commands, `status --repos` with filters, --version, exit codes,
and a quiet end on a closed pipe. Through `skillfleet.cli.main.main` over a real registry."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from skillfleet.cli.main import main
from skillfleet.domain.model import Release, RolloutState, Service, Severity

pytestmark = pytest.mark.integration


def seed(registry) -> None:
    release, _ = registry.record_release(Release(
        skill="lint-rules", version="1.1.0", previous_version="1.0.0", severity=Severity.MINOR,
        tag="lint-rules-v1.1.0", commit_sha="a" * 40, bundle_uri="file:///b", bundle_sha256="0" * 64))
    for n, (repo, team, state) in enumerate([("acme/api", "core", RolloutState.MERGED),
                                             ("acme/web", "core", RolloutState.REJECTED),
                                             ("acme/docs", "docs", RolloutState.PR_OPEN)], start=1):
        registry.upsert_service(Service(repo=repo, team=team))
        registry.set_service_skill(repo, "lint-rules", "1.0.0")
        registry.ensure_rollout_item(release.id, repo)
        registry.transition(release.id, repo, RolloutState.PR_OPEN, pr_number=n,
                            pr_url=f"https://github.example/{repo}/pull/{n}")
        if state is not RolloutState.PR_OPEN:
            registry.transition(release.id, repo, state, reason="we pin our linter" if state is
                                RolloutState.REJECTED else None)


def run(capsys, settings, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), settings=settings)
    out, err = capsys.readouterr()
    return code, out, err


def test_read_commands_answer_json_for_scripts(registry, settings, capsys):
    seed(registry)
    code, out, _ = run(capsys, settings, "status", "lint-rules", "--json")
    status = json.loads(out)
    assert code == 0 and (status["version"], status["adopted_percent"], status["overall"]["rejected"]) == \
        ("1.1.0", 33.3, 1)
    services = json.loads(run(capsys, settings, "services", "list", "--json")[1])
    assert {s["repo"]: s["skills"] for s in services}["acme/api"] == ["lint-rules@1.0.0"]
    registry.add_dead_letter("generate-pr", "UpdateRepo", b"{}", {}, "bad bundle", 5)
    letters = json.loads(run(capsys, settings, "dlq", "list", "--json")[1])
    assert [(d["message_type"], d["error"], d["attempts"]) for d in letters] == [("UpdateRepo", "bad bundle", 5)]


def test_status_repos_lists_pr_links_and_reasons_filtered_by_state_and_team(registry, settings, capsys):
    seed(registry)
    code, out, _ = run(capsys, settings, "status", "lint-rules", "--repos", "--state", "rejected")
    assert code == 0 and "acme/web" in out and "https://github.example/acme/web/pull/2" in out
    assert "we pin our linter" in out and "acme/api" not in out
    core = json.loads(run(capsys, settings, "status", "lint-rules", "--repos", "--team", "core", "--json")[1])
    assert sorted((r["repo"], r["state"]) for r in core) == [("acme/api", "merged"), ("acme/web", "rejected")]
    code, _, err = run(capsys, settings, "status", "lint-rules", "--repos", "--state", "done")
    assert code == 2 and "unknown state 'done'" in err
    code, _, err = run(capsys, settings, "status", "lint-rules", "--team", "core")
    assert code == 2 and "add --repos" in err
    code, _, err = run(capsys, settings, "status", "nope")
    assert code == 2 and "no release of 'nope'" in err


def test_version_and_exit_codes_in_help(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("skillfleet ")
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "exit codes:" in capsys.readouterr().out


def test_a_closed_pipe_ends_quietly(registry, pg_url, tmp_path):
    for n in range(3000):
        registry.upsert_service(Service(repo=f"acme/service-{n:04d}", team="core"))
    env = {**os.environ, "SKILLFLEET_DATABASE_URL": pg_url, "SKILLFLEET_STATE_DIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "skillfleet.cli.main", "services", "list"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().startswith(b"repo")
    proc.stdout.close()                                     # like `| head -1`
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"Traceback" not in err and b"BrokenPipe" not in err, err
