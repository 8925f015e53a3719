"""The topology on a real Pub/Sub emulator, the rendered plan under real bash, and the skills repo's
tag workflow script under real bash (gcloud and curl replaced by recording stand-ins, since Google
Cloud and GitHub's token service cannot be reached from here)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from skillfleet.domain import yamlsafe
from skillfleet.domain.messages import SkillTagPushed, decode
from skillfleet.infra import apply_emulator, loader, planner, shell

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGY = ROOT / "infra" / "topology.yaml"
PROJECT = "infra-test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _group_alive(pgid: int) -> list[int]:
    alive = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    alive.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                pass
    return alive


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:   # the whole group is already gone
        pass


@pytest.fixture
def emulator(tmp_path):
    if not shutil.which("gcloud") or not shutil.which("java"):
        pytest.skip("the Pub/Sub emulator needs gcloud and java on PATH")
    port = _free_port()
    (tmp_path / "data").mkdir()
    log = (tmp_path / "emulator.log").open("w")
    # own process group: the gcloud wrapper starts a java child, and both must go at the end
    proc = subprocess.Popen(["gcloud", "beta", "emulators", "pubsub", "start", f"--project={PROJECT}",
                             f"--host-port=127.0.0.1:{port}", f"--data-dir={tmp_path / 'data'}"],
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while "Server started" not in (tmp_path / "emulator.log").read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("emulator did not start: " + (tmp_path / "emulator.log").read_text()[-2000:])
            time.sleep(0.3)
        yield f"127.0.0.1:{port}"
    finally:
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        deadline = time.monotonic() + 15
        while _group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        leftovers = _group_alive(proc.pid)
        for pid in leftovers:
            os.kill(pid, signal.SIGKILL)
        log.close()
        assert not leftovers, f"emulator processes outlived the test: {leftovers}"


def _get(host: str, path: str) -> dict:
    with urllib.request.urlopen(f"http://{host}/v1/projects/{PROJECT}/{path}", timeout=10) as response:
        return json.loads(response.read())


def test_topology_applies_to_the_emulator_and_reapplies_as_an_update(emulator):
    topo = loader.load(TOPOLOGY)
    resolved = loader.resolve(topo, loader.values_for(topo, {"PROJECT": PROJECT}))
    first = apply_emulator.apply_to_emulator(resolved, emulator,
                                             apply_emulator.endpoints_from_base("http://127.0.0.1:8001/{module}"),
                                             apply_emulator.Overrides(1, 2, 5))
    assert all(line.endswith("created") for line in first)
    topics = {t["name"].rsplit("/", 1)[1] for t in _get(emulator, "topics")["topics"]}
    assert topics == set(topo.all_topic_names)
    subs = {s["name"].rsplit("/", 1)[1]: s for s in _get(emulator, "subscriptions")["subscriptions"]}
    assert set(subs) == {s.name for s in topo.subscriptions} | {d.keep_subscription for d in topo.dead_letter_topics}
    push = subs["tag-received--skill-tags"]
    assert push["pushConfig"]["pushEndpoint"] == f"http://127.0.0.1:8001/tag_received/projects/{PROJECT}/topics/skill-tags"
    assert push["deadLetterPolicy"] == {"deadLetterTopic": f"projects/{PROJECT}/topics/tag-received--skill-tags--dead",
                                        "maxDeliveryAttempts": 5}
    assert push["retryPolicy"] == {"minimumBackoff": "1s", "maximumBackoff": "2s"}
    keep = subs["tag-received--skill-tags--dead"]
    assert keep["topic"] == f"projects/{PROJECT}/topics/tag-received--skill-tags--dead"
    assert not keep.get("pushConfig"), "dead letters are kept on a pull subscription"

    # functions restarted on other ports: re-applying moves the endpoints, creates nothing
    again = apply_emulator.apply_to_emulator(resolved, emulator, lambda fn: f"http://127.0.0.1:9002/{fn}")
    assert not [line for line in again if line.endswith("created")]
    moved = _get(emulator, "subscriptions/record-merge--github-events")
    assert moved["pushConfig"]["pushEndpoint"].startswith("http://127.0.0.1:9002/record-merge/")
    assert moved["deadLetterPolicy"]["maxDeliveryAttempts"] == 10


def test_cli_apply_to_the_emulator(emulator, capsys, monkeypatch):
    from skillfleet.cli.main import main
    monkeypatch.setenv("SKILLFLEET_GCP_PROJECT", PROJECT)
    assert main(["infra", "apply", "--topology", str(TOPOLOGY), "--emulator", emulator,
                 "--push-base", "http://127.0.0.1:8080", "--max-attempts", "5"]) == 0
    out = capsys.readouterr().out
    assert "subscription generate-pr--repo-update-requested: created" in out
    sub = _get(emulator, "subscriptions/generate-pr--repo-update-requested")
    assert sub["pushConfig"]["pushEndpoint"].startswith("http://127.0.0.1:8080/generate-pr/")


FAKE_GCLOUD = r'''#!PYTHON
"""Records its argv; `describe` succeeds only for what an earlier `create` made."""
import json, os, sys
state = os.environ["FAKE_STATE"]
args = sys.argv[1:]
with open(state + ".log", "a") as log:
    log.write(json.dumps(args) + "\n")
words = [a for a in args if not a.startswith("--")]
if words[:2] == ["projects", "describe"]:
    print("123456789"); sys.exit(0)
existing = set(open(state).read().split("\n")) if os.path.exists(state) else set()
for verb in ("describe", "create", "create-oidc"):
    if verb in words:
        key = " ".join(words[:words.index(verb)] + [words[-1].split("@")[0].replace("gs://", "")])
        if verb == "describe":
            sys.exit(0 if key in existing else 1)
        with open(state, "a") as f:
            f.write(key + "\n")
sys.exit(0)
'''


def _fake_bin(tmp_path: Path, name: str, source: str) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(source.replace("#!PYTHON", f"#!{sys.executable}", 1))
    path.chmod(0o755)
    return bin_dir


def _calls(state: Path) -> list[list[str]]:
    return [json.loads(line) for line in Path(str(state) + ".log").read_text().splitlines()]


def test_rendered_plan_runs_under_bash_and_a_second_run_creates_nothing(tmp_path):
    topo = loader.load(TOPOLOGY)
    script = tmp_path / "plan.sh"
    script.write_text(shell.render(planner.plan(topo, {"PROJECT": "acme-fleet"})))
    state = tmp_path / "state"
    env = {"PATH": f"{_fake_bin(tmp_path, 'gcloud', FAKE_GCLOUD)}:/usr/bin:/bin", "FAKE_STATE": str(state),
           "SKILLS_OWNER_ID": "1342004", "SKILLS_REPO_ID": "260064828", "DASHBOARD_VIEWERS": "group:p@acme.test"}
    first = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert first.returncode == 0, first.stderr[-2000:]
    calls = _calls(state)
    condition = next(a for c in calls for a in c if a.startswith("--attribute-condition="))
    assert condition == ("--attribute-condition=assertion.repository_owner_id == '1342004' && assertion.repository_id"
                         " == '260064828' && assertion.repository == 'platform/skills' && assertion.ref_type == 'tag'"
                         " && assertion.workflow_ref.startsWith('platform/skills/.github/workflows/"
                         "distribute-skills.yml@refs/tags/')")
    drift = next(c for c in calls if c[:5] == ["scheduler", "jobs", "create", "pubsub", "drift-scan"])
    assert '--message-body={"remediate":false}' in drift
    assert "--attributes=type=ScanDrift,schema_version=1,correlation_id=scheduler-drift-scan" in drift
    Path(str(state) + ".log").unlink()
    second = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert second.returncode == 0, second.stderr[-2000:]
    assert not [c for c in _calls(state) if "create" in c or "create-oidc" in c]
    missing = subprocess.run(["bash", str(script)], env={**env, "SKILLS_REPO_ID": ""}, capture_output=True,
                             text=True, timeout=60, check=False)
    assert missing.returncode != 0 and "set SKILLS_REPO_ID" in missing.stderr


FAKE_CURL = r'''#!PYTHON
import json, sys
url = sys.argv[-1]
assert "audience=skillfleet" in url, url
print(json.dumps({"value": "eyJhbGciOiJSUzI1NiJ9.fake.token"}))
'''


def test_tag_workflow_publishes_a_message_tag_received_can_decode(tmp_path):
    if not shutil.which("jq"):
        pytest.skip("the workflow's publish step uses jq (present on GitHub's ubuntu runners)")
    flow = yamlsafe.load((ROOT / "infra/github/distribute-skills.yml").read_text(), where="workflow")
    step = flow["jobs"]["publish"]["steps"][-1]
    bin_dir = _fake_bin(tmp_path, "gcloud", FAKE_GCLOUD)
    _fake_bin(tmp_path, "curl", FAKE_CURL)
    state = tmp_path / "state"
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "FAKE_STATE": str(state), "AUDIENCE": "skillfleet",
           "PROJECT": "acme-fleet", "REPOSITORY": "acme/skills", "TAG": "lint-rules-v1.4.0", "SHA": "a" * 40,
           "ACTOR": "octocat", "CORRELATION_ID": "gh-42-1", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "req",
           "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.test/?x=1"}
    done = subprocess.run(["bash", "-c", step["run"]], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    (publish,) = [c for c in _calls(state) if c[:3] == ["pubsub", "topics", "publish"]]
    assert publish[3] == "skill-tags" and "--project=acme-fleet" in publish
    body = next(a for a in publish if a.startswith("--message="))[len("--message="):]
    attributes = dict(kv.split("=", 1) for kv in next(a for a in publish if a.startswith("--attribute="))
                      [len("--attribute="):].split(","))
    assert attributes == {"type": "SkillTagPushed", "schema_version": "1", "correlation_id": "gh-42-1"}
    message = decode(body.encode(), attributes)
    assert isinstance(message, SkillTagPushed)
    assert (message.repository, message.tag, message.sha, message.actor) == ("acme/skills", "lint-rules-v1.4.0",
                                                                             "a" * 40, "octocat")
    assert message.oidc_token is not None and message.oidc_token.get_secret_value().endswith(".fake.token")
    assert "fake.token" not in done.stdout.replace("::add-mask::eyJhbGciOiJSUzI1NiJ9.fake.token", "")
