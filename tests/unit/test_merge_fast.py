"""The YAML merge's fast path: libyaml-parsed plain data and a line merge checked against it."""
from __future__ import annotations

import textwrap

from skillfleet.domain.merge import merge, yaml_fast
from skillfleet.domain.merge.linemerge import merge_lines_close


def _y(text: str) -> str:
    return textwrap.dedent(text).lstrip()


BASE = _y("""
    steps:
      - id: build
        name: 'gcr.io/cloud-builders/docker'   # pinned by the platform team
        args: ["build", "-t", "app", "."]
    options:
      machineType: E2_HIGHCPU_8
    """)


def test_libyaml_is_what_parses() -> None:
    from _ruamel_yaml import CParser  # ruamel.yaml.clib, a dependency for this

    assert yaml_fast.CParser is CParser
    assert yaml_fast.load_plain("a: [1, yes, 0o17, 2024-01-01]", "x") == {"a": [1, "yes", 15, __import__("datetime").date(2024, 1, 1)]}


def test_edits_on_neighbouring_lines_merge_and_every_other_line_is_the_services_own() -> None:
    ours = BASE.replace("E2_HIGHCPU_8", "E2_HIGHCPU_32  # ours: big builds") \
        .replace("  - id: build\n", "  # ours: the one step we cannot skip\n  - id: build\n")
    theirs = BASE.replace("options:\n", "options:\n  logging: CLOUD_LOGGING_ONLY\n") \
        .replace('"app", "."]', '"app:v2", "."]')
    r = merge(BASE, ours, theirs, fmt="yaml")
    assert r.clean
    assert r.text == _y("""
        steps:
          # ours: the one step we cannot skip
          - id: build
            name: 'gcr.io/cloud-builders/docker'   # pinned by the platform team
            args: ["build", "-t", "app:v2", "."]
        options:
          logging: CLOUD_LOGGING_ONLY
          machineType: E2_HIGHCPU_32  # ours: big builds
        """)


def test_a_line_merge_that_would_garble_the_structure_falls_back_to_the_tree_merge() -> None:
    base = "options:\n  machineType: A\n"
    ours = "options:\n  machineType: B\nsubstitutions:\n  _X: '1'\n"
    theirs = "options:\n  machineType: A\n  logging: L\n"
    garbled = merge_lines_close(base, ours, theirs)
    assert garbled.endswith("_X: '1'\n  logging: L\n")        # upstream's key would land in ours' block
    r = merge(base, ours, theirs, fmt="yaml")
    assert r.clean and yaml_fast.parses_to(r.text, {"options": {"machineType": "B", "logging": "L"},
                                                    "substitutions": {"_X": "1"}})


def test_both_sides_adding_at_one_place_keep_a_comment_on_the_line_it_heads() -> None:
    base = "a: 1\nb: 2\n"
    assert merge_lines_close(base, "a: 1\nx: 9\nb: 2\n", "a: 1\ny: 8\nb: 2\n") == "a: 1\nx: 9\ny: 8\nb: 2\n"
    assert merge_lines_close(base, "a: 1\n# about b\nb: 2\n", "a: 1\ny: 8\nb: 2\n") == "a: 1\ny: 8\n# about b\nb: 2\n"


def test_a_conflict_keeps_ours_there_and_still_applies_the_rest_without_a_round_trip() -> None:
    ours = BASE.replace("E2_HIGHCPU_8", "E2_HIGHCPU_32")
    theirs = BASE.replace("E2_HIGHCPU_8", "N1_HIGHCPU_8").replace('"app", "."]', '"app:v2", "."]')
    r = merge(BASE, ours, theirs, fmt="yaml")
    assert [c.path for c in r.conflicts] == ["options.machineType"]
    assert r.text == ours.replace('"app", "."]', '"app:v2", "."]')


def test_custom_tags_take_the_round_trip_path() -> None:
    base = "steps:\n  - id: a\n    name: !Sub 'img:${T}'\n    args: [x]\n"
    ours = base.replace("[x]", "[x, y]")
    theirs = base.replace("img:", "img2:")
    r = merge(base, ours, theirs, fmt="yaml")
    assert r.clean and r.text == "steps:\n  - id: a\n    name: !Sub 'img2:${T}'\n    args: [x, y]\n"


def test_a_new_upstream_step_keeps_its_comment_and_style_on_the_round_trip_path() -> None:
    base = _y("""
        steps:
          - id: build
            name: docker
            args: [build]
        """)
    ours = base.replace("args: [build]", "args: [build, --pull]")
    theirs = base.replace("args: [build]", "args: [--quiet, build]") + \
        "  # scan before push\n  - id: scan\n    name: 'trivy'\n    args: ['image', 'app']\n"
    r = merge(base, ours, theirs, fmt="yaml")
    assert r.clean   # both changed the line of build's args: the round trip renders it
    assert "args: [--quiet, build, --pull]\n" in r.text
    assert "  # scan before push\n  - id: scan\n    name: 'trivy'\n    args: ['image', 'app']\n" in r.text


def test_a_block_both_sides_added_is_written_once_with_both_keys() -> None:
    base = "steps:\n  - id: a\n    name: x\n"
    ours = base + "options:\n  machineType: E2_HIGHCPU_8\n"
    theirs = base + "options:\n  logging: CLOUD_LOGGING_ONLY\n"
    r = merge(base, ours, theirs, fmt="yaml")
    assert r.clean
    assert r.text == base + "options:\n  machineType: E2_HIGHCPU_8\n  logging: CLOUD_LOGGING_ONLY\n"


def test_a_service_comment_heads_the_line_upstream_rewrote_and_never_an_upstream_insertion() -> None:
    base = "a: 1\ntimeout: 600s\n"
    assert merge_lines_close(base, "a: 1\n# ours: slow runners\ntimeout: 600s\n", "a: 1\ntimeout: 900s\n") \
        == "a: 1\n# ours: slow runners\ntimeout: 900s\n"
    r = merge(base, "a: 2\n# ours: slow runners\ntimeout: 600s\n", "a: 1\nb: 3\ntimeout: 600s\n", fmt="yaml")
    assert r.clean and r.text.endswith("# ours: slow runners\ntimeout: 600s\n")
