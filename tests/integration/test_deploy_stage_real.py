"""`skillfleet deploy stage` over the real repository: each staged function imports on its own (in a
subprocess, as the buildpack would) and ships only the product. Integration: it starts processes."""
from __future__ import annotations

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
