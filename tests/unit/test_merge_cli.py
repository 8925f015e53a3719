"""`skillfleet merge BASE OURS THEIRS`: exit codes and files like `git merge-file`."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from skillfleet.cli.main import main

BASE = "steps:\n  - id: build\n    name: docker:20\n"


@pytest.fixture
def files(tmp_path: Path):
    def write(ours: str, theirs: str, ext: str = ".yaml", base: str = BASE) -> list[str]:
        paths = []
        for name, text in (("base", base), ("ours", ours), ("theirs", theirs)):
            path = tmp_path / f"{name}{ext}"
            path.write_text(text)
            paths.append(str(path))
        return paths
    return write


def test_clean_merge_exits_0_and_prints_the_file(files, capsys):
    ours = BASE + "    env: [A=1]\n"
    assert main(["merge", *files(ours, BASE.replace("docker:20", "docker:24"))]) == 0
    out, err = capsys.readouterr()
    assert out == "steps:\n  - id: build\n    name: docker:24\n    env: [A=1]\n"
    assert "merged cleanly" in err


def test_conflict_exits_1_writes_out_and_report(files, tmp_path, capsys):
    paths = files(BASE.replace("docker:20", "docker:23"), BASE.replace("docker:20", "docker:24"))
    out, report = tmp_path / "merged.yaml", tmp_path / "report.json"
    assert main(["merge", *paths, "-o", str(out), "--report", str(report)]) == 1
    assert out.read_text() == BASE.replace("docker:20", "docker:23")
    data = json.loads(report.read_text())
    assert data["clean"] is False and data["format"] == "yaml"
    assert data["conflicts"][0]["path"] == "steps[id=build].name"
    assert data["conflicts"][0]["theirs"] == "docker:24"
    assert "steps[id=build].name: both sides changed it differently" in capsys.readouterr().err


def test_owned_flag(files, capsys):
    paths = files(BASE.replace("docker:20", "docker:23"), BASE.replace("docker:20", "docker:24"))
    assert main(["merge", *paths, "--owned", "steps[id=build].name"]) == 0
    assert "docker:23" in capsys.readouterr().out


def test_format_from_extension_or_flag(files, capsys):
    assert main(["merge", *files(BASE, BASE + "# new\n", ext=".txt")]) == 0
    assert capsys.readouterr().out == BASE + "# new\n"
    assert main(["merge", *files('{"a": 1}', '{"a": 1, "b": 2}', ext=".json", base='{"a": 1}')]) == 0
    assert json.loads(capsys.readouterr().out) == {"a": 1, "b": 2}
    assert main(["merge", "--format", "text", *files(BASE, BASE)]) == 0


@pytest.mark.parametrize(("ours", "message"), [
    (None, "OURS file .* does not exist"),
    ("steps: [\n", "OURS .*ours.yaml: invalid YAML at line 2"),
])
def test_errors_exit_2_with_a_clear_message(files, tmp_path, capsys, ours, message):
    paths = files(ours or BASE, BASE)
    if ours is None:
        Path(paths[1]).unlink()
    assert main(["merge", *paths]) == 2
    err = capsys.readouterr().err
    assert err.startswith("skillfleet: error: ")
    assert re.search(message, err)


def test_bad_owned_pattern_exits_2(files, capsys):
    assert main(["merge", *files(BASE, BASE), "--owned", "steps[id]"]) == 2
    assert "owned path 'steps[id]'" in capsys.readouterr().err
