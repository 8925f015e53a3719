"""The silent-win guard: a change of either side missing from the result is a conflict."""
from __future__ import annotations

import textwrap

from skillfleet.domain.merge import guard, merge
from skillfleet.domain.merge.owned import format_path

BASE = {"steps": [{"id": "build", "name": "docker", "args": ["build"]},
                  {"id": "push", "name": "docker", "args": ["push"]}], "timeout": "600s"}
OURS = {"steps": [{"id": "build", "name": "docker", "args": ["build"], "env": ["A=1"]},
                  {"id": "push", "name": "docker", "args": ["push"]}], "timeout": "600s"}
THEIRS = {"steps": [{"id": "build", "name": "docker:25", "args": ["build"]},
                    {"id": "push", "name": "docker", "args": ["push"]}], "timeout": "900s"}


def test_a_result_that_drops_the_service_change_is_caught() -> None:
    dropped = THEIRS   # a buggy merge that took theirs: the env var is gone
    lost = guard.missing(BASE, OURS, THEIRS, dropped, ())
    assert [(format_path(p), side) for p, side in lost] == [("steps[id=build].env", "ours")]


def test_a_result_that_drops_an_upstream_change_is_caught() -> None:
    lost = guard.missing(BASE, OURS, THEIRS, OURS, ())
    assert {(format_path(p), side) for p, side in lost} == {("steps[id=build].name", "theirs"),
                                                            ("timeout", "theirs")}


def test_the_right_merge_passes_and_owned_paths_may_keep_ours() -> None:
    merged = {"steps": [{**THEIRS["steps"][0], "env": ["A=1"]}, THEIRS["steps"][1]], "timeout": "900s"}
    assert guard.missing(BASE, OURS, THEIRS, merged, ()) == []
    kept_timeout = {**merged, "timeout": "600s"}
    assert guard.missing(BASE, OURS, THEIRS, kept_timeout, ("timeout",)) == []


def test_a_dropped_step_without_an_id_is_caught() -> None:
    base = {"steps": [{"name": "a", "args": ["1"]}, {"name": "b", "args": ["2"]}]}
    ours = {"steps": [{"name": "a", "args": ["1"]}, {"name": "b", "args": ["2"]}, {"name": "c"}]}
    lost = guard.missing(base, ours, base, base, ())
    assert [side for _, side in lost] == ["ours"]


def test_the_merge_reports_the_guard_as_a_conflict_showing_both_values(monkeypatch: object) -> None:
    from skillfleet.domain.merge import tree

    real = tree.merge_value

    def drops_env(b, o, t, path, ctx):  # type: ignore[no-untyped-def]
        out = real(b, o, t, path, ctx)
        if path == ():
            del out["steps"][0]["env"]   # a merge bug that loses the service's env var
        return out

    for path in ("yaml_fast", "yaml_format"):   # the fast path and the round-trip path
        monkeypatch.setattr(f"skillfleet.domain.merge.{path}.merge_value", drops_env)  # type: ignore[attr-defined]
    base = textwrap.dedent("""\
        steps:
          - id: build
            name: docker
        """)
    ours = base + "    env:\n      - A=1\n"
    theirs = base.replace("docker", "docker:25")
    r = merge(base, ours, theirs, fmt="yaml")
    assert not r.clean and r.text == ours
    c = r.conflicts[0]
    assert c.path == "steps[id=build].env" and c.ours == ["A=1"] and c.base is None
    assert "lost the service's change" in c.reason
