import json

import pytest
from skillfleet.domain.apply import METADATA_PATH, plan_update, render
from skillfleet.domain.model import RolloutState, Service, check_transition
from skillfleet.domain.rollout import plan_waves
from skillfleet.domain.skill.bundle import Bundle
from skillfleet.domain.skill.manifest import parse_skill_md

SVC = Service(repo="acme/payments-api", team="payments")
MD = """---
name: demo-skill
version: {v}
description: d
files:
  - source: files/a.txt
    destination: conf/a.txt
    strategy: replace
---
body
"""


def _bundle(v, text):
    return Bundle.build(parse_skill_md(MD.format(v=v)), {"SKILL.md": MD.format(v=v).encode(),
                                                          "files/a.txt": text.encode()})


def test_waves_are_cumulative_deterministic_and_cover_everyone():
    services = [Service(repo=f"acme/s{i}", team="t") for i in range(40)]
    waves = plan_waves(services, [1, 10, 25, 100], salt="x@1.0.0")
    assert waves == plan_waves(list(reversed(services)), [1, 10, 25, 100], salt="x@1.0.0")
    counts = [sum(1 for w in waves.values() if w == i) for i in range(4)]
    assert counts == [1, 3, 6, 30] and sum(counts) == 40


def test_state_machine_allows_repeats_and_refuses_going_back_from_merged():
    assert check_transition(RolloutState.PR_OPEN, RolloutState.PR_OPEN) is False
    assert check_transition(RolloutState.REQUESTED, RolloutState.PR_OPEN) is True
    with pytest.raises(Exception, match="merged to requested"):
        check_transition(RolloutState.MERGED, RolloutState.REQUESTED)


def test_plan_renders_per_repo_and_records_the_new_version_in_metadata():
    new = _bundle("1.1.0", "service={{ service }} team={{ team }}\n")
    plan = plan_update(service=SVC, new=new, old=None, current={"conf/a.txt": None}, metadata_text=None)
    assert plan.files["conf/a.txt"] == "service=payments-api team=payments\n"
    meta = json.loads(plan.files[METADATA_PATH])
    assert meta["skills"]["demo-skill"]["version"] == "1.1.0"
    assert meta["skills"]["demo-skill"]["bundle_sha256"] == new.sha256
    assert plan.changes[0].status == "added"


def test_metadata_of_other_skills_is_kept():
    new = _bundle("1.1.0", "x\n")
    other = json.dumps({"skills": {"other": {"version": "3.0.0"}}, "note": "ours"})
    plan = plan_update(service=SVC, new=new, old=None, current={"conf/a.txt": "x\n"}, metadata_text=other)
    meta = json.loads(plan.files[METADATA_PATH])
    assert meta["skills"]["other"] == {"version": "3.0.0"} and meta["note"] == "ours"
    assert not plan.has_changes


def test_bundle_bytes_are_deterministic():
    assert _bundle("1.0.0", "a").to_bytes() == _bundle("1.0.0", "a").to_bytes()
    assert _bundle("1.0.0", "a").sha256 != _bundle("1.0.0", "b").sha256


def test_render_substitutes_known_placeholders_only():
    assert render("{{ service }}/{{ repo }}/{{ other }}", SVC) == "payments-api/acme/payments-api/{{ other }}"
