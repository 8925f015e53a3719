"""Step identity through renames and reorders, and comments that travel with their step."""
from __future__ import annotations

import io
import textwrap

import pytest
from ruamel.yaml import YAML
from skillfleet.domain.merge import merge
from skillfleet.domain.merge.identity import Ambiguous, renamed


@pytest.fixture(autouse=True, params=["fast path", "round trip"])
def _path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.param == "round trip":   # the same identity rules when ours is round-tripped
        monkeypatch.setattr("skillfleet.domain.merge.yaml_fast.merge_fast", lambda *a, **k: None)


def _y(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def _data(text: str) -> object:
    return YAML(typ="safe", pure=True).load(text)


BASE = _y("""
    steps:
    - id: build
      name: gcr.io/cloud-builders/docker
      args: [build, -t, app, .]
    - id: test
      name: gcr.io/cloud-builders/docker
      args: [run, app, pytest]
      waitFor: [build]
    - id: push
      name: gcr.io/cloud-builders/docker
      args: [push, app]
      waitFor: [test]
    """)


def test_a_service_rename_keeps_upstream_edits_inside_the_step_and_rewrites_its_references() -> None:
    ours = BASE.replace("id: test", "id: unit-tests").replace("waitFor: [test]", "waitFor: [unit-tests]")
    theirs = BASE.replace("args: [run, app, pytest]", "args: [run, app, pytest, -x]") + _y("""
        - id: scan
          name: gcr.io/cloud-builders/gcloud
          args: [scan, app]
          waitFor: [test]
        """)
    r = merge(BASE, ours, theirs, fmt="yaml")
    assert r.clean, r.conflicts
    steps = _data(r.text)["steps"]
    assert [s["id"] for s in steps] == ["build", "unit-tests", "push", "scan"]
    assert steps[1]["args"] == ["run", "app", "pytest", "-x"]            # upstream edit applied
    assert steps[2]["waitFor"] == ["unit-tests"] and steps[3]["waitFor"] == ["unit-tests"]
    assert any("renamed step 'test' to 'unit-tests'" in k for k in r.kept)


def test_an_upstream_rename_reaches_the_service_edit_and_its_references() -> None:
    ours = BASE.replace("args: [run, app, pytest]", "args: [run, app, pytest]\n  env: [CI=1]")
    theirs = BASE.replace("id: test", "id: unit").replace("waitFor: [test]", "waitFor: [unit]")
    r = merge(BASE, ours, theirs, fmt="yaml")
    assert r.clean, r.conflicts
    steps = _data(r.text)["steps"]
    assert steps[1] == {"id": "unit", "name": "gcr.io/cloud-builders/docker", "args": ["run", "app", "pytest"],
                        "waitFor": ["build"], "env": ["CI=1"]}
    assert steps[2]["waitFor"] == ["unit"]


def test_a_rename_upstream_removed_is_a_conflict_not_a_pick() -> None:
    ours = BASE.replace("id: test", "id: unit-tests").replace("waitFor: [test]", "waitFor: [unit-tests]")
    theirs = BASE.replace("""- id: test
  name: gcr.io/cloud-builders/docker
  args: [run, app, pytest]
  waitFor: [build]
""", "").replace("waitFor: [test]", "waitFor: [build]")
    r = merge(BASE, ours, theirs, fmt="yaml")
    assert not r.clean
    assert any("renamed step 'test'" in c.reason for c in r.conflicts)


def test_a_rename_that_matches_two_new_steps_equally_is_ambiguous() -> None:
    base = [{"id": "a", "args": ["x", "y"]}, {"id": "b", "args": ["other"]}]
    side = [{"id": "a1", "args": ["x", "y"]}, {"id": "a2", "args": ["x", "y"]}, {"id": "b", "args": ["other"]}]
    with pytest.raises(Ambiguous):
        renamed(base, side)
    r = merge(_dump({"steps": base}), _dump({"steps": side}), _dump({"steps": base + [{"id": "c"}]}), fmt="yaml")
    assert not r.clean


def _dump(data: object) -> str:

    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, out)
    return out.getvalue()


def test_a_reorder_keeps_upstream_edits_in_the_moved_step_and_places_upstream_insertions_by_neighbour() -> None:
    base = BASE.replace("waitFor: [build]", "waitFor: ['-']").replace("waitFor: [test]", "waitFor: ['-']")
    blocks = base.split("- id: ")
    ours = blocks[0] + "- id: " + blocks[2] + "- id: " + blocks[1] + "- id: " + blocks[3]   # test before build
    theirs = base.replace("args: [build, -t, app, .]", "args: [build, -t, app:2, .]").replace(
        "- id: push", "- id: lint\n  name: gcr.io/cloud-builders/npm\n  args: [run, lint]\n- id: push")
    r = merge(base, ours, theirs, fmt="yaml")
    assert r.clean, r.conflicts
    steps = _data(r.text)["steps"]
    assert [s["id"] for s in steps] == ["test", "build", "lint", "push"]
    assert steps[1]["args"] == ["build", "-t", "app:2", "."]


def test_a_service_comment_stays_on_the_step_upstream_rewrites() -> None:
    ours = BASE.replace("- id: test", "# ours: flaky on Mondays, keep -x off\n- id: test")
    theirs = BASE.replace("- id: test\n  name: gcr.io/cloud-builders/docker\n  args: [run, app, pytest]",
                          "- id: test\n  name: python:3.12\n  entrypoint: pytest\n  args: [-q]") \
        .replace("- id: build", "- id: lint\n  name: ruff\n  args: [check]\n- id: build")
    r = merge(BASE, ours, theirs, fmt="yaml")
    assert r.clean, r.conflicts
    lines = r.text.splitlines()
    at = lines.index("# ours: flaky on Mondays, keep -x off")
    assert lines[at + 1] == "- id: test" and "name: python:3.12" in lines[at + 2]


def test_a_comment_on_a_renamed_step_travels_with_it() -> None:
    ours = BASE.replace("- id: test", "# ours: renamed for the dashboard\n- id: unit-tests") \
        .replace("waitFor: [test]", "waitFor: [unit-tests]")
    theirs = BASE.replace("- id: build", "- id: fmt\n  name: black\n- id: build") \
        .replace("args: [run, app, pytest]", "args: [run, app, pytest, -q]")
    r = merge(BASE, ours, theirs, fmt="yaml")
    assert r.clean, r.conflicts
    lines = r.text.splitlines()
    at = lines.index("# ours: renamed for the dashboard")
    assert lines[at + 1] == "- id: unit-tests"
    assert _data(r.text)["steps"][2]["args"][-1] == "-q"


def test_a_rename_into_a_service_owned_name_does_not_swallow_upstream_edits() -> None:
    ours = BASE.replace("id: test", "id: custom-test").replace("waitFor: [test]", "waitFor: [custom-test]")
    theirs = BASE.replace("args: [run, app, pytest]", "args: [run, app, pytest, -x]")
    r = merge(BASE, ours, theirs, fmt="yaml", owned=["steps[id=custom-*]"])
    assert not r.clean
    assert any("removed it but upstream changed it" in c.reason for c in r.conflicts)
