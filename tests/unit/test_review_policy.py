"""The pure rules behind review-pr, sla-sweep and drift-scan: who may merge, what is overdue, when a
wave is done, and what counts as drift."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from skillfleet.domain.labels import LABEL_CHECKS_FAILED, LABEL_ELIGIBLE, LABEL_HUMAN, LABEL_SECURITY
from skillfleet.domain.merge.drift import diff_paths, file_drift
from skillfleet.domain.messages import GitHubEventReceived
from skillfleet.domain.model import Release, RolloutItem, RolloutState, Severity
from skillfleet.domain.policy import Gate, PolicyOverride, Review, release_policy
from skillfleet.domain.review import Checks, check_result, checks_from, decide
from skillfleet.domain.rollout import is_overdue, next_wave, wave_done
from skillfleet.domain.skill.manifest import ManagedFile

S = RolloutState
GATE = Gate()


def policy_for(severity, breaking=False, overrides=None):
    release = Release(skill="s", version="1.0.0", previous_version=None, severity=severity, tag="s-v1.0.0",
                      commit_sha="c" * 40, bundle_uri="mem://b", bundle_sha256="0" * 64, breaking=breaking)
    return release_policy(release, overrides)


PATCH = policy_for(Severity.PATCH)


# --- review-pr -----------------------------------------------------------------------------------
def test_a_clean_patch_is_eligible_and_merges_only_once_checks_passed():
    pending = decide(PATCH, draft=False, conflicts=0, checks=Checks.PENDING)
    assert (pending.approve, pending.merge, pending.labels_to_add) == (True, False, (LABEL_ELIGIBLE,))
    passed = decide(PATCH, draft=False, conflicts=0, checks=Checks.SUCCESS, labels=[LABEL_ELIGIBLE])
    assert (passed.approve, passed.merge, passed.labels_to_add) == (True, True, ())


@pytest.mark.parametrize(("policy", "draft", "conflicts", "labels", "why"), [
    (policy_for(Severity.MAJOR), False, 0, (), "reviewed by people"),
    (policy_for(Severity.MINOR, breaking=True), False, 0, (), "breaking change"),
    (PATCH, False, 2, (), "2 merge conflict(s)"),
    (PATCH, True, 0, (), "draft"),
    (PATCH, False, 0, ("skills-conflict",), "merge conflict"),
    (PATCH, False, 0, (LABEL_HUMAN,), f"labelled {LABEL_HUMAN}"),
])
def test_risky_prs_are_left_for_people_even_when_checks_pass(policy, draft, conflicts, labels, why):
    decision = decide(policy, draft=draft, conflicts=conflicts, checks=Checks.SUCCESS, labels=labels)
    assert not decision.approve and not decision.merge
    assert LABEL_ELIGIBLE not in decision.labels_to_add
    assert LABEL_HUMAN in decision.labels_to_add or LABEL_HUMAN in labels
    assert why in decision.reason


def test_a_security_release_asks_the_security_team():
    decision = decide(policy_for(Severity.SECURITY), draft=False, conflicts=0, checks=Checks.SUCCESS)
    assert decision.labels_to_add == (LABEL_HUMAN, LABEL_SECURITY) and not decision.merge


def test_a_skill_that_asks_for_human_review_of_patches_gets_it():
    strict = policy_for(Severity.PATCH, overrides={Severity.PATCH: PolicyOverride(review=Review.HUMAN)})
    assert not decide(strict, draft=False, conflicts=0, checks=Checks.SUCCESS).merge


def test_failed_checks_are_labelled_and_never_merge():
    decision = decide(PATCH, draft=False, conflicts=0, checks=Checks.FAILURE, labels=[LABEL_ELIGIBLE])
    assert decision.labels_to_add == (LABEL_CHECKS_FAILED,) and not decision.merge


def test_repeating_a_decision_adds_nothing_new():
    first = decide(policy_for(Severity.SECURITY), draft=False, conflicts=0, checks=Checks.FAILURE)
    again = decide(policy_for(Severity.SECURITY), draft=False, conflicts=0, checks=Checks.FAILURE,
                   labels=first.labels_to_add)
    assert again.labels_to_add == ()


@pytest.mark.parametrize(("conclusion", "state"), [
    (None, Checks.PENDING), ("success", Checks.SUCCESS), ("neutral", Checks.SUCCESS), ("skipped", Checks.SUCCESS),
    ("failure", Checks.FAILURE), ("timed_out", Checks.FAILURE), ("cancelled", Checks.FAILURE),
    ("action_required", Checks.FAILURE), ("stale", Checks.FAILURE),
])
def test_check_conclusions_map_like_githubs_required_checks(conclusion, state):
    assert checks_from(conclusion) is state


# --- sla-sweep -----------------------------------------------------------------------------------
T0 = datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_overdue_is_strictly_past_the_sla_and_escalation_past_twice_it():
    week = timedelta(days=7)
    assert not is_overdue(T0, week, T0 + week)
    assert is_overdue(T0, week, T0 + week + timedelta(minutes=1))
    assert not is_overdue(T0, week, T0 + timedelta(days=10), factor=2)
    assert is_overdue(T0, week, T0 + timedelta(days=15), factor=2)


def _items(*states_by_wave):
    return [RolloutItem(release_id=1, repo=f"o/r{w}-{i}", state=s, wave=w)
            for w, states in enumerate(states_by_wave) for i, s in enumerate(states)]


def test_a_wave_is_done_when_all_items_are_terminal_or_ninety_percent_merged():
    assert wave_done(_items([S.MERGED, S.REJECTED, S.SUPERSEDED]), GATE)
    assert wave_done(_items([S.MERGED] * 9 + [S.PR_OPEN]), GATE)
    assert not wave_done(_items([S.MERGED] * 8 + [S.PR_OPEN, S.CONFLICT]), GATE)
    assert not wave_done(_items([S.MERGED, S.FAILED]), GATE)
    assert wave_done([], GATE)


def test_the_next_wave_is_released_once_the_current_one_is_done():
    assert next_wave(_items([S.MERGED, S.MERGED], [S.REQUESTED, S.REQUESTED]), GATE) == 1
    assert next_wave(_items([S.MERGED, S.PR_OPEN], [S.REQUESTED]), GATE) is None
    assert next_wave(_items([S.REQUESTED, S.REQUESTED], [S.REQUESTED]), GATE) is None   # wave 0 not even started


def test_a_started_wave_is_the_current_one_and_nothing_is_released_twice():
    started = _items([S.MERGED], [S.PR_OPEN, S.REQUESTED], [S.REQUESTED])
    assert next_wave(started, GATE) is None
    done = _items([S.MERGED], [S.MERGED, S.REJECTED], [S.REQUESTED])
    assert next_wave(done, GATE) == 2
    assert next_wave(_items([S.MERGED], [S.MERGED]), GATE) is None   # nothing waiting


# --- drift-scan ----------------------------------------------------------------------------------
CLOUDBUILD = ManagedFile(source="files/cloudbuild.yaml", destination=".cloudbuild/cloudbuild.yaml",
                         strategy="yaml", owned=("steps[id=custom-*]", "options.machineType"))
RENDERED = """steps:
  - id: install
    name: node:20
    args: [ci]
  - id: test
    name: node:20
options:
  logging: CLOUD_LOGGING_ONLY
timeout: 1800s
"""


def test_comments_formatting_and_owned_paths_are_not_drift():
    edited = ("# our pipeline\nsteps:\n- {id: install, name: 'node:20', args: [ci]}\n"
              "- id: custom-e2e\n  name: node:20\n- {id: test, name: 'node:20'}\n"
              "options: {logging: CLOUD_LOGGING_ONLY, machineType: E2_HIGHCPU_8}\ntimeout: 1800s\n")
    assert file_drift(RENDERED, edited, CLOUDBUILD) == []


def test_edits_outside_owned_paths_are_reported_by_path():
    edited = (RENDERED.replace("name: node:20\n    args", "name: node:18\n    args")
              .replace("timeout: 1800s\n", "").replace("  - id: test\n    name: node:20\n",
                                                      "  - id: test\n    name: node:20\n    env: [CI=1]\n"))
    assert file_drift(RENDERED, edited, CLOUDBUILD) == [
        "steps[id=install].name", "steps[id=test].env (added)", "timeout (removed)"]


def test_a_missing_or_unreadable_file_is_drift_and_text_compares_exactly():
    assert file_drift(RENDERED, None, CLOUDBUILD) == ["(file missing)"]
    assert file_drift(RENDERED, "steps: [", CLOUDBUILD)[0].startswith("(cannot compare:")
    text = ManagedFile(source="files/x.sh", destination="x.sh", strategy="text")
    assert file_drift("echo hi\n", "echo hi\n", text) == []
    assert file_drift("echo hi\n", "echo hi \n", text) == ["(content differs)"]


def test_list_elements_without_ids_compare_by_position_and_types_matter():
    assert diff_paths({"a": [1, 2]}, {"a": [1, 3]}, ()) == ["a[1]"]
    assert diff_paths({"a": [1]}, {"a": [1, 2]}, ()) == ["a[1] (added)"]
    assert diff_paths({"flag": 1}, {"flag": True}, ()) == ["flag"]
    assert diff_paths({"a": {"b": 1}}, {"a": {"b": 2}}, ("a.*",)) == []


def test_a_map_the_service_added_only_for_owned_paths_is_not_drift():
    owned = ("options.machineType",)
    assert diff_paths({"steps": []}, {"steps": [], "options": {"machineType": "E2"}}, owned) == []
    assert diff_paths({"steps": []}, {"steps": [], "options": {"machineType": "E2", "pool": "p"}}, owned) == [
        "options.pool (added)"]
    assert diff_paths({"options": {"logging": "X"}}, {}, owned) == ["options (removed)"]


# --- GitHub's check payloads -------------------------------------------------------------------
def _event(event, body, action="completed"):
    return GitHubEventReceived(delivery_id="d", event=event, action=action, repo="o/r",
                               payload={"repository": {"full_name": "o/r"}, event: body})


def test_a_check_run_names_its_suite_and_only_a_whole_green_suite_may_merge():
    run = check_result(_event("check_run", {"head_sha": "abc", "conclusion": "success",
                                            "check_suite": {"head_branch": "skills/x-v1.0.0"}}))
    assert (run.branch, run.sha, run.checks, run.may_decide) == ("skills/x-v1.0.0", "abc", Checks.SUCCESS, False)
    failed = check_result(_event("check_run", {"conclusion": "failure", "check_suite": {}}))
    assert failed.may_decide
    suite = check_result(_event("check_suite", {"head_branch": "b", "conclusion": "success",
                                                "pull_requests": [{"number": 7}]}))
    assert suite.may_decide and suite.pulls == (7,)
    assert check_result(_event("check_suite", {}, action="requested")) is None
    assert check_result(_event("pull_request", {})) is None
