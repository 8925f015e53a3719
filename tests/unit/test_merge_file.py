"""apply.merge_file: the manifest's strategy and owned paths drive the merge of a managed file."""
from __future__ import annotations

from skillfleet.domain.apply import Conflict, FileResult, merge_file
from skillfleet.domain.skill.manifest import ManagedFile

BASE = "steps:\n  - id: build\n    name: docker:20\noptions:\n  machineType: E2_MEDIUM\n"


def spec(strategy: str, *owned: str) -> ManagedFile:
    return ManagedFile(source="files/cloudbuild.yaml", destination="cloudbuild.yaml",
                       strategy=strategy, owned=owned)  # type: ignore[arg-type]


def test_yaml_strategy_merges_and_honours_owned_paths():
    ours = BASE.replace("E2_MEDIUM", "E2_HIGHCPU_8")
    theirs = BASE.replace("docker:20", "docker:24").replace("E2_MEDIUM", "E2_STANDARD_4")
    result = merge_file(BASE, ours, theirs, spec("yaml", "options.machineType"))
    assert isinstance(result, FileResult) and not result.conflicts
    assert result.text == BASE.replace("docker:20", "docker:24").replace("E2_MEDIUM", "E2_HIGHCPU_8")
    result = merge_file(BASE, ours, theirs, spec("yaml"))
    assert result.conflicts == (Conflict("cloudbuild.yaml", "options.machineType", "E2_MEDIUM",
                                         "E2_HIGHCPU_8", "E2_STANDARD_4", "both sides changed it differently"),)


def test_replace_strategy_takes_the_new_version():
    result = merge_file(BASE, BASE + "# ours\n", "new\n", spec("replace"))
    assert result.text == "new\n" and result.applied == ("replaced with the new version",)


def test_absent_file_is_installed():
    assert merge_file(None, None, BASE, spec("yaml")).text == BASE
