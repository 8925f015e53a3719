"""The structural YAML merge: what a service team sees in the PR's file and its merge report."""
from __future__ import annotations

import textwrap

import pytest
from ruamel.yaml import YAML
from skillfleet.domain.errors import UserError
from skillfleet.domain.merge import merge

OWNED = ("steps[id=custom-*]", "options.machineType", "substitutions._REGION")


@pytest.fixture(autouse=True, params=["fast path", "round trip"])
def _path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every behaviour holds whether the libyaml fast path answers or ours is round-tripped."""
    if request.param == "round trip":
        monkeypatch.setattr("skillfleet.domain.merge.yaml_fast.merge_fast", lambda *a, **k: None)


def y(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def load(text: str):
    return YAML(typ="safe", pure=True).load(text)


def step(doc, step_id):
    return next(s for s in doc["steps"] if s.get("id") == step_id)


BASE = y("""
    # pipeline managed by skillfleet
    steps:
      # build the image
      - id: build
        name: gcr.io/cloud-builders/docker:20.10
        args: ['build', '-t', 'app', '.']

      # push it
      - id: push
        name: gcr.io/cloud-builders/docker:20.10
        args: ['push', 'app']

    options:
      logging: CLOUD_LOGGING_ONLY
    timeout: 1200s
""")


def test_both_sides_add_different_steps_and_both_are_kept_in_place():
    custom = "  - id: custom-lint\n    name: node:20\n    args: ['npm', 'run', 'lint']\n\n"
    scan = "  - id: scan\n    name: aquasec/trivy\n    args: ['image', 'app']\n\n"
    ours = BASE.replace("  # push it\n", custom + "  # push it\n")
    theirs = BASE.replace("options:", scan.rstrip("\n") + "\n\noptions:").replace("'app']\n\n  - id: scan",
                                                                                 "'app']\n  - id: scan")
    r = merge(BASE, ours, theirs, fmt="yaml", owned=OWNED)
    assert r.clean
    assert [s["id"] for s in load(r.text)["steps"]] == ["build", "custom-lint", "push", "scan"]
    assert any(a.startswith("added steps[id=scan]") for a in r.applied)
    assert any(k.startswith("steps[id=custom-lint]") for k in r.kept)
    assert r.text.index("# push it") < r.text.index("id: push")


def test_service_env_var_and_upstream_image_bump_on_the_same_step_merge_cleanly():
    ours = BASE.replace("args: ['build', '-t', 'app', '.']\n",
                        "args: ['build', '-t', 'app', '.']\n    env:\n      - NODE_ENV=production\n")
    theirs = BASE.replace("docker:20.10\n    args: ['build'", "docker:24.0.9\n    args: ['build'")
    r = merge(BASE, ours, theirs, fmt="yaml")
    assert r.clean
    build = step(load(r.text), "build")
    assert build["name"] == "gcr.io/cloud-builders/docker:24.0.9"
    assert build["env"] == ["NODE_ENV=production"]
    assert "changed steps[id=build].name: \"gcr.io/cloud-builders/docker:20.10\" -> " \
           "\"gcr.io/cloud-builders/docker:24.0.9\"" in r.applied
    assert any(k.startswith("steps[id=build].env: added by the service") for k in r.kept)


def test_both_change_the_same_value_is_a_conflict_that_keeps_ours_and_still_parses():
    ours = BASE.replace("docker:20.10\n    args: ['build'", "docker:23.0\n    args: ['build'")
    theirs = BASE.replace("docker:20.10\n    args: ['build'", "docker:24.0.9\n    args: ['build'")
    r = merge(BASE, ours, theirs, fmt="yaml", file="cloudbuild.yaml")
    assert not r.clean
    (c,) = r.conflicts
    assert (c.file, c.path) == ("cloudbuild.yaml", "steps[id=build].name")
    assert (c.base, c.ours, c.theirs) == ("gcr.io/cloud-builders/docker:20.10", "gcr.io/cloud-builders/docker:23.0",
                                          "gcr.io/cloud-builders/docker:24.0.9")
    assert step(load(r.text), "build")["name"] == "gcr.io/cloud-builders/docker:23.0"
    assert "<<<<<<<" not in r.text


def test_comments_key_order_and_quoting_of_ours_survive():
    ours = BASE.replace("timeout: 1200s", "timeout: '1200s'  # our deploys are slow")
    ours = ours.replace("options:\n", "# tuned by the payments team\noptions:\n")
    theirs = BASE.replace("  logging: CLOUD_LOGGING_ONLY\n", "  logging: CLOUD_LOGGING_ONLY\n  dynamicSubstitutions: true\n")
    r = merge(BASE, ours, theirs, fmt="yaml")
    assert r.clean
    assert r.text == ours.replace("  logging: CLOUD_LOGGING_ONLY\n",
                                  "  logging: CLOUD_LOGGING_ONLY\n  dynamicSubstitutions: true\n")


def test_header_comments_move_with_their_steps():
    theirs = BASE.replace("  # push it\n", "  # scan it\n  - id: scan\n    name: aquasec/trivy\n\n  # push it\n")
    ours = BASE.replace("timeout: 1200s", "timeout: 1800s")
    r = merge(BASE, ours, theirs, fmt="yaml")
    text = r.text
    assert text.index("# scan it") < text.index("id: scan") < text.index("# push it") < text.index("id: push")


def test_owned_paths_always_keep_the_service_value():
    ours = BASE.replace("  logging: CLOUD_LOGGING_ONLY\n", "  logging: CLOUD_LOGGING_ONLY\n  machineType: E2_HIGHCPU_8\n")
    theirs = BASE.replace("  logging: CLOUD_LOGGING_ONLY\n", "  logging: CLOUD_LOGGING_ONLY\n  machineType: E2_MEDIUM\n")
    r = merge(BASE, ours, theirs, fmt="yaml", owned=OWNED)
    assert r.clean
    assert load(r.text)["options"]["machineType"] == "E2_HIGHCPU_8"
    assert "options.machineType: service-owned, kept \"E2_HIGHCPU_8\"" in r.kept


def test_upstream_cannot_remove_or_change_a_service_owned_step():
    custom = "  - id: custom-e2e\n    name: node:20\n    args: ['test']\n"
    base = BASE.replace("options:", custom + "options:")
    ours = base.replace("args: ['test']", "args: ['test', '--ci']")
    theirs = BASE
    r = merge(base, ours, theirs, fmt="yaml", owned=OWNED)
    assert r.clean
    assert step(load(r.text), "custom-e2e")["args"] == ["test", "--ci"]


def test_upstream_removes_a_step_the_service_did_not_touch():
    theirs = BASE.replace("  # push it\n  - id: push\n    name: gcr.io/cloud-builders/docker:20.10\n"
                          "    args: ['push', 'app']\n\n", "")
    ours = BASE.replace("timeout: 1200s", "timeout: 1800s")
    r = merge(BASE, ours, theirs, fmt="yaml")
    assert r.clean
    doc = load(r.text)
    assert [s["id"] for s in doc["steps"]] == ["build"]
    assert doc["timeout"] == "1800s"
    assert "removed steps[id=push]" in r.applied
    assert "# push it" not in r.text


def test_upstream_removes_a_step_the_service_changed_is_a_conflict():
    theirs = BASE.replace("  - id: push\n    name: gcr.io/cloud-builders/docker:20.10\n    args: ['push', 'app']\n", "")
    ours = BASE.replace("args: ['push', 'app']", "args: ['push', 'app', '--all-tags']")
    r = merge(BASE, ours, theirs, fmt="yaml")
    (c,) = r.conflicts
    assert c.path == "steps[id=push]" and c.theirs is None and c.ours["args"][-1] == "--all-tags"
    assert step(load(r.text), "push")["args"] == ["push", "app", "--all-tags"]


def test_service_removed_what_upstream_changed_is_a_conflict_and_stays_removed():
    ours = BASE.replace("timeout: 1200s\n", "")
    theirs = BASE.replace("timeout: 1200s", "timeout: 1800s")
    r = merge(BASE, ours, theirs, fmt="yaml")
    (c,) = r.conflicts
    assert (c.path, c.base, c.ours, c.theirs) == ("timeout", "1200s", None, "1800s")
    assert "timeout" not in load(r.text)


def test_service_removal_of_an_unchanged_key_is_kept():
    ours = BASE.replace("timeout: 1200s\n", "")
    theirs = BASE.replace("  logging: CLOUD_LOGGING_ONLY\n", "  logging: NONE\n")
    r = merge(BASE, ours, theirs, fmt="yaml")
    assert r.clean and "timeout" not in load(r.text) and load(r.text)["options"]["logging"] == "NONE"
    assert "timeout: removed by the service" in r.kept


NO_IDS = y("""
    steps:
      - name: gcr.io/cloud-builders/docker
        args: ['build', '-t', 'app', '.']
      - name: gcr.io/cloud-builders/docker
        args: ['push', 'app']
      - name: gcr.io/google.com/cloudsdktool/cloud-sdk
        entrypoint: gcloud
        args: ['run', 'deploy', 'app']
""")


def test_steps_without_id_are_matched_by_content():
    ours = NO_IDS.replace("args: ['push', 'app']\n", "args: ['push', 'app']\n    env: ['DOCKER_BUILDKIT=1']\n")
    theirs = NO_IDS.replace("docker\n    args: ['push'", "docker:24.0.9\n    args: ['push'")
    theirs = theirs.replace("args: ['run', 'deploy', 'app']", "args: ['run', 'deploy', 'app', '--quiet']")
    r = merge(NO_IDS, ours, theirs, fmt="yaml")
    assert r.clean
    push = load(r.text)["steps"][1]
    assert push == {"name": "gcr.io/cloud-builders/docker:24.0.9", "args": ["push", "app"],
                    "env": ["DOCKER_BUILDKIT=1"]}
    assert load(r.text)["steps"][2]["args"][-1] == "--quiet"


def test_steps_without_id_that_cannot_be_told_apart_conflict_instead_of_guessing():
    base = y("""
        steps:
          - name: alpine
            args: ['echo', 'one']
          - name: alpine
            args: ['echo', 'one']
    """)
    ours = base.replace("- name: alpine\n    args: ['echo', 'one']\n  - name: alpine\n    args: ['echo', 'one']\n",
                        "- name: alpine\n    args: ['echo', 'one', 'a']\n  - name: alpine\n    args: ['echo', 'one', 'b']\n")
    theirs = base.replace("- name: alpine\n    args: ['echo', 'one']\n  - name: alpine\n    args: ['echo', 'one']\n",
                          "- name: alpine\n    args: ['echo', 'one', 'b']\n")
    r = merge(base, ours, theirs, fmt="yaml")
    assert not r.clean
    assert r.conflicts[0].path == "steps" and "give them an `id`" in r.conflicts[0].reason
    assert load(r.text) == load(ours)


def test_lists_of_scalars_merge_as_ordered_sets():
    base = y("""
        images:
          - app:latest
        steps:
          - id: build
            name: docker
            env: [A=1]
    """)
    ours = base.replace("env: [A=1]", "env: [A=1, B=2]").replace("  - app:latest\n", "  - app:latest\n  - app:sha\n")
    theirs = base.replace("env: [A=1]", "env: [A=1, C=3]").replace("  - app:latest\n", "  - app:latest\n  - app:sha\n")
    r = merge(base, ours, theirs, fmt="yaml")
    assert r.clean
    doc = load(r.text)
    assert doc["steps"][0]["env"] == ["A=1", "B=2", "C=3"]
    assert doc["images"] == ["app:latest", "app:sha"]


def test_edits_to_different_lines_of_a_script_merge():
    base = y("""
        steps:
          - id: test
            name: bash
            args:
              - -c
              - |
                set -e
                make lint
                make build
                make test
    """)
    ours = base.replace("make lint\n", "make lint\n        make audit\n")
    theirs = base.replace("make test\n", "make test -j4\n")
    r = merge(base, ours, theirs, fmt="yaml")
    assert r.clean
    assert load(r.text)["steps"][0]["args"][1] == "set -e\nmake lint\nmake audit\nmake build\nmake test -j4\n"


def test_idempotent_when_one_side_has_no_change():
    ours = BASE.replace("timeout: 1200s", "timeout: 1800s  # slow")
    theirs = BASE.replace("docker:20.10", "docker:24.0.9")
    assert merge(BASE, theirs, theirs, fmt="yaml").text == theirs
    assert merge(BASE, ours, BASE, fmt="yaml").text == ours
    assert merge(BASE, BASE, theirs, fmt="yaml").text == theirs


def test_same_inputs_same_output():
    ours = BASE.replace("  # push it\n", "  - id: custom-a\n    name: x\n  # push it\n")
    theirs = BASE.replace("options:", "  - id: scan\n    name: y\noptions:")
    first = merge(BASE, ours, theirs, fmt="yaml", owned=OWNED)
    assert all(merge(BASE, ours, theirs, fmt="yaml", owned=OWNED) == first for _ in range(3))


def test_first_install_and_unknown_base():
    assert merge(None, None, BASE, fmt="yaml").text == BASE
    ours = BASE.replace("timeout: 1200s", "timeout: 1800s").replace(
        "  logging: CLOUD_LOGGING_ONLY\n", "  logging: CLOUD_LOGGING_ONLY\n  machineType: E2_HIGHCPU_8\n")
    theirs = BASE.replace("  logging: CLOUD_LOGGING_ONLY\n", "  logging: CLOUD_LOGGING_ONLY\n  pool: {}\n")
    r = merge(None, ours, theirs, fmt="yaml")
    doc = load(r.text)
    assert [c.path for c in r.conflicts] == ["timeout"]      # disagreement without a base: never silent
    assert doc["timeout"] == "1800s" and doc["options"]["machineType"] == "E2_HIGHCPU_8"
    assert doc["options"]["pool"] == {}


def test_invalid_input_names_the_side():
    with pytest.raises(UserError, match="ours: invalid YAML at line"):
        merge(BASE, "steps: [\n", BASE, fmt="yaml")
    with pytest.raises(UserError, match="alias"):
        bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh"))
        merge(BASE, bomb, BASE, fmt="yaml")


def test_unclear_pairing_is_harmless_when_the_service_left_the_list_alone():
    base = y("""
        steps:
          - name: alpine
            args: ['echo', 'one']
          - name: alpine
            args: ['echo', 'one']
    """)
    theirs = base.replace("  - name: alpine\n    args: ['echo', 'one']\n", "", 1).replace("'one']", "'one', 'b']")
    ours = base + "timeout: 60s\n"
    r = merge(base, ours, theirs, fmt="yaml")
    assert r.clean and load(r.text) == {**load(theirs), "timeout": "60s"}


def test_anchors_merge_keys_tags_and_document_start_survive():
    base = y("""
        ---
        defaults: &defaults
          timeout: 60s
        steps:
          - id: a
            <<: *defaults
            name: !Sub 'img:1'
    """)
    ours = base.replace("name: !Sub 'img:1'", "name: !Sub 'img:1'\n    env: [A=1]")
    theirs = base.replace("timeout: 60s", "timeout: 90s").replace("img:1", "img:2")
    r = merge(base, ours, theirs, fmt="yaml")
    assert r.clean
    assert r.text == ours.replace("timeout: 60s", "timeout: 90s").replace("img:1", "img:2")


def test_windows_line_endings_are_kept():
    base = "a: 1\r\nb: 2\r\nc: 3\r\n"
    r = merge(base, base.replace("c: 3", "c: 4"), base.replace("a: 1", "a: 0"), fmt="yaml")
    assert r.text == "a: 0\r\nb: 2\r\nc: 4\r\n"


def test_a_step_rewritten_beyond_recognition_and_changed_upstream_is_a_conflict_not_a_duplicate():
    base = "steps:\n  - name: a\n    args: [x]\n"
    ours = "steps:\n  - name: b\n    args: [y]\n    dir: q\n"
    theirs = "steps:\n  - name: c\n    args: [x]\n"
    r = merge(base, ours, theirs, fmt="yaml")
    assert [c.path for c in r.conflicts] == ["steps"] and r.text == ours
