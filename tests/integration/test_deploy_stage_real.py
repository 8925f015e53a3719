"""`skillfleet deploy stage` over the real repository: each staged function imports on its own (in a
subprocess, as the buildpack would) and ships only the product. Integration: it starts processes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from skillfleet.cli.main import main
from skillfleet.infra import staging
from skillfleet.runtime.functions import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]


def test_staged_function_imports_on_its_own(tmp_path):
    """What the Python buildpack does: main.py at the root, dependencies installed, nothing else."""
    present = [spec for spec in FUNCTIONS if not staging.missing_entry_points(ROOT, [spec])]
    if not present:
        pytest.skip("no functions/<module>/main.py written yet: nothing to stage")
    site = {Path(p) for p in sys.path if p.endswith("site-packages")}
    for staged in staging.stage(ROOT, tmp_path / "build", present):
        spec = next(s for s in FUNCTIONS if s.name == staged.function)
        probe = (f"import main, skillfleet; assert callable(main.{spec.entry_point}); "
                 "print(skillfleet.__file__)")
        done = subprocess.run([sys.executable, "-c", probe], cwd=staged.path, capture_output=True, text=True,
                              env={"PYTHONPATH": ":".join(map(str, site)), "PATH": "/usr/bin:/bin"}, timeout=120,
                              check=False)
        assert done.returncode == 0, f"{staged.function}: {done.stderr[-2000:]}"
        assert Path(done.stdout.strip()).is_relative_to(staged.path), "imported the repo's package, not the copy"


_DEV_MODULES = ("ghemu", "testing", "demo", "devstack", "cli")


def test_deploy_stage_ships_only_the_product(tmp_path, capsys):
    """No emulator, test server, demo, dev stack or CLI module reaches a function's source."""
    out = tmp_path / "build"
    assert main(["deploy", "stage", "--root", str(ROOT), "--out", str(out)]) == 0
    capsys.readouterr()
    for spec in FUNCTIONS:
        package = out / spec.module / "skillfleet"
        sources = list(package.rglob("*.py"))
        assert (package / "entrypoints.py").is_file() and (package / "adapters" / "migrations").is_dir()
        shipped = {p.relative_to(package).parts[0] for p in sources}
        assert not shipped & set(_DEV_MODULES), f"{spec.name} ships {shipped & set(_DEV_MODULES)}"
        for source in sources:
            text = source.read_text()
            assert "skillfleet_dev" not in text, f"{spec.name}: {source} imports the dev package"
        whole = sum(1 for _ in (ROOT / "shared" / "skillfleet").rglob("*.py"))
        assert len(sources) < whole


_FIRST_EVENT = r"""
import base64, json, sys
import main
entry, trigger, kind = sys.argv[1:4]
fn = getattr(main, entry)
if trigger == "topic":
    from cloudevents.http import CloudEvent
    data = {"message": {"data": base64.b64encode(b"not json").decode(), "messageId": "1",
                        "attributes": {"type": kind, "schema_version": "1"}}}
    fn(CloudEvent({"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//test"}, data))
else:
    import flask
    path, method = ("/api/fleet", "GET") if entry == "adoption_dashboard" else ("/", "POST")
    with flask.Flask("t").test_request_context(path, method=method, data=b"{}",
                                               headers={"X-Hub-Signature-256": "sha256=00"}):
        fn(flask.request)
heavy = ("github", "slack_sdk", "google.cloud.sql.connector", "aiohttp", "detect_secrets", "anthropic")
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def test_a_cold_instance_loads_no_client_its_first_event_does_not_use(tmp_path, pg_url):
    """Cold start: a staged function configured with a GitHub token (as deployed) handles its first
    event, an unreadable push parked as poison or a forged webhook, without importing PyGithub,
    Slack, the Cloud SQL connector or detect-secrets: each is loaded when first used, not per instance."""
    from skillfleet.domain import messages
    kinds = {getattr(m, "TOPIC", None): m.__name__ for m in vars(messages).values() if isinstance(m, type)}
    env = {"PYTHONPATH": ":".join(p for p in sys.path if p.endswith("site-packages")), "PATH": "/usr/bin:/bin",
           "SKILLFLEET_DATABASE_URL": pg_url, "SKILLFLEET_STATE_DIR": str(tmp_path / "state"),
           "SKILLFLEET_REQUIRE_OIDC": "false", "SKILLFLEET_WEBHOOK_SECRET": "s", "SKILLFLEET_GITHUB_TOKEN": "t",
           "SKILLFLEET_REVIEWER_TOKEN": "r", "SKILLFLEET_SKILLS_REPO": "acme/skills"}
    loaded = {}
    for staged in staging.stage(ROOT, tmp_path / "build"):
        spec = next(s for s in FUNCTIONS if s.name == staged.function)
        kind = kinds.get(spec.consumes[0], "?") if spec.consumes else ""
        done = subprocess.run([sys.executable, "-c", _FIRST_EVENT, spec.entry_point, spec.trigger, kind],
                              cwd=staged.path, env=env, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"{staged.function}: {done.stderr[-2000:]}"
        loaded[staged.function] = json.loads(done.stdout.strip().splitlines()[-1])
    scans = {"generate-pr", "review-pr"}   # they scan every update for secrets: detect-secrets is theirs
    assert loaded == {spec.name: (["detect_secrets"] if spec.name in scans else []) for spec in FUNCTIONS}
