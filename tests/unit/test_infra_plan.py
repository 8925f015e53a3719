"""`skillfleet infra plan` reads like a careful engineer's script, and `infra apply` converges."""
from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from skillfleet.cli.main import main
from skillfleet.domain.errors import UserError
from skillfleet.infra import apply_emulator, apply_gcloud, loader, planner, shell
from skillfleet.infra.apply_gcloud import Result

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGY = ROOT / "infra" / "topology.yaml"
PARAMS = {"PROJECT": "acme-fleet", "SKILLS_OWNER_ID": "1342004", "SKILLS_REPO_ID": "260064828",
          "DASHBOARD_VIEWERS": "group:platform@acme.test"}
ORDER = ["project services", "service accounts", "topics", "dead-letter topics", "bundle bucket",
         "Cloud SQL registry", "secrets", "functions (deploy)", "function invokers", "push subscriptions",
         "Pub/Sub service agent", "Cloud Scheduler", "Workload Identity Federation", "IAM: least privilege",
         "IAM: deployer"]


@pytest.fixture(scope="module")
def topo():
    return loader.load(TOPOLOGY)


@pytest.fixture(scope="module")
def text(topo):
    return shell.render(planner.plan(topo, {"PROJECT": "acme-fleet"}))


def test_sections_come_in_dependency_order_with_headers(text):
    positions = [text.index(f"# --- {title}") for title in ORDER]
    assert positions == sorted(positions)
    assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text


def test_plan_declares_its_inputs_and_looks_up_the_project_number(text):
    assert "\nPROJECT=acme-fleet\n" in text
    assert 'REGION="${REGION:-europe-west1}"' in text
    assert 'SKILLS_REPO_ID="${SKILLS_REPO_ID:?set SKILLS_REPO_ID:' in text
    assert 'PROJECT_NUMBER="$(gcloud projects describe "${PROJECT}" --format=\'value(projectNumber)\')"' in text


def test_plan_creates_every_dead_letter_topic_and_keeps_its_letters(topo, text):
    for dead in topo.dead_letter_topics:
        assert f"gcloud pubsub topics create {dead.name} \\\n" in text
        assert f"gcloud pubsub subscriptions create {dead.keep_subscription} \\\n      --topic={dead.name}" in text
    assert text.count("--expiration-period=never") >= 2 * len(topo.subscriptions)


def test_plan_wires_each_push_subscription_with_auth_retry_and_dead_letter(topo, text):
    for sub in topo.subscriptions:
        block = text[text.index(f"gcloud pubsub subscriptions create {sub.name} \\"):]
        block = block[:block.index("\nfi")]
        assert f"--topic={sub.topic}" in block
        assert '--push-auth-service-account="sf-push-invoker@${PROJECT}.iam.gserviceaccount.com"' in block
        assert f"--dead-letter-topic={sub.dead_letter.topic}" in block
        assert f"--max-delivery-attempts={sub.dead_letter.max_delivery_attempts}" in block
        assert f"--min-retry-delay={sub.retry.min_backoff_seconds}s" in block


def test_plan_contains_scheduler_jobs_publishing_typed_messages(text):
    assert "gcloud scheduler jobs create pubsub sla-sweep \\" in text
    assert "--attributes=type=SweepSlas,schema_version=1,correlation_id=scheduler-sla-sweep" in text
    assert "gcloud scheduler jobs create pubsub drift-scan \\" in text
    assert "--topic=drift-scan-requested" in text and "--message-body='{\"remediate\":false}'" in text


def test_plan_contains_the_workload_identity_condition_pinned_by_ids(text):
    assert ("--attribute-condition=\"assertion.repository_owner_id == '${SKILLS_OWNER_ID}' "
            "&& assertion.repository_id == '${SKILLS_REPO_ID}'") in text
    assert "--issuer-uri=https://token.actions.githubusercontent.com" in text
    assert ("principalSet://iam.googleapis.com/projects/${PROJECT_NUMBER}/locations/global/"
            "workloadIdentityPools/github/attribute.repository_id/${SKILLS_REPO_ID}") in text


def test_functions_deploy_as_gen2_http_with_their_own_identity(topo):
    steps = planner.plan(topo).sections[ORDER.index("functions (deploy)")].steps
    by_name = {step.run[3]: step.run for step in steps}
    assert set(by_name) == {f.name for f in topo.functions}
    for fn in topo.functions:
        argv = by_name[fn.name]
        assert {"--gen2", "--trigger-http", "--runtime=python312", f"--entry-point={fn.entry_point}",
                f"--source=build/functions/{fn.module}"} <= set(argv)
        assert f"--service-account={fn.service_account}@${{PROJECT}}.iam.gserviceaccount.com" in argv
        auth = "--allow-unauthenticated" if fn.name == "github-webhook" else "--no-allow-unauthenticated"
        assert auth in argv
    assert "--set-secrets=SKILLFLEET_WEBHOOK_SECRET=skillfleet-webhook-secret:latest" in by_name["github-webhook"]
    assert "--clear-secrets" in by_name["adoption-dashboard"]


def test_every_create_is_guarded_by_a_describe(topo):
    for step in planner.plan(topo).steps():
        if any(word in ("create", "create-oidc") for word in step.run):
            assert step.check is not None and "describe" in step.check, step.run


def test_plan_is_deterministic(topo, text):
    again = shell.render(planner.plan(loader.load(TOPOLOGY), {"PROJECT": "acme-fleet"}))
    assert again == text


@pytest.mark.parametrize("arg", ["plain", "two words", "it's", 'say "hi"', "a;b|c", "{\"k\":1}", "x=1,y=2"])
def test_quoting_survives_the_shell(arg):
    assert shlex.split(shell.quote(arg)) == [arg]
    assert shlex.split(shell.quote(f"--flag={arg}")) == [f"--flag={arg}"]


def test_cli_plan_prints_the_script_and_refuses_unknown_params(capsys):
    assert main(["infra", "plan", "--topology", str(TOPOLOGY), "--project", "acme-fleet"]) == 0
    assert "# --- push subscriptions ---" in capsys.readouterr().out
    assert main(["infra", "plan", "--topology", str(TOPOLOGY), "--param", "NOPE=1"]) == 2
    assert "NOPE" in capsys.readouterr().err


class FakeGcloud:
    """Stands in for gcloud against a real project (which cannot be reached here): remembers what
    was created, answers describe accordingly, records every command."""

    def __init__(self) -> None:
        self.existing: set[tuple[str, ...]] = set()
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, argv: tuple[str, ...]) -> Result:
        self.calls.append(argv)
        words = [a for a in argv if not a.startswith("--")]
        if words[1:3] == ["projects", "describe"]:
            return Result(0, "123456789\n")
        for verb in ("describe", "create", "create-oidc"):
            if verb in words:
                i = words.index(verb)
                key = (*words[1:i], words[-1].split("@")[0].removeprefix("gs://"))
                if verb == "describe":
                    return Result(0 if key in self.existing else 1)
                self.existing.add(key)
        return Result(0)


def test_apply_creates_once_then_converges_without_creating_again(topo):
    the_plan = planner.plan(topo, loader.values_for(topo, PARAMS))
    gcloud = FakeGcloud()
    first = apply_gcloud.apply(the_plan, gcloud, echo=lambda _: None)
    assert {d.action for d in first} == {"created", "ran"}
    for argv in gcloud.calls:
        assert not any("${" in a for a in argv), argv
    assert any("attribute.repository_id/260064828" in a and "/projects/123456789/" in a for c in gcloud.calls for a in c)
    gcloud.calls.clear()
    second = apply_gcloud.apply(the_plan, gcloud, echo=lambda _: None)
    assert "created" not in {d.action for d in second}
    assert {d.action for d in second} == {"present", "updated", "ran"}
    assert not [c for c in gcloud.calls if "create" in c or "create-oidc" in c]


def test_apply_names_every_missing_param_before_touching_anything(topo):
    gcloud = FakeGcloud()
    with pytest.raises(UserError) as err:
        apply_gcloud.apply(planner.plan(topo, {"PROJECT": "acme-fleet"}), gcloud, echo=lambda _: None)
    assert "SKILLS_REPO_ID" in str(err.value) and "--param SKILLS_OWNER_ID=..." in str(err.value)
    assert gcloud.calls == []


def test_apply_stops_at_a_failing_step_with_gclouds_words(topo):
    def failing(argv):
        if argv[:4] == ("gcloud", "pubsub", "topics", "create"):
            return Result(1, "", "ERROR: (gcloud.pubsub.topics.create) PERMISSION_DENIED: caller lacks pubsub.topics.create")
        return FakeGcloud()(argv)
    with pytest.raises(UserError, match="(?s)PERMISSION_DENIED.*run `skillfleet infra apply` again"):
        apply_gcloud.apply(planner.plan(topo, loader.values_for(topo, PARAMS)), failing, echo=lambda _: None)


def test_emulator_calls_point_each_subscription_at_its_local_function(topo):
    resolved = loader.resolve(topo, loader.values_for(topo, {"PROJECT": "local-proj"}))
    endpoint = apply_emulator.endpoints_from_base("http://127.0.0.1:9000/{function}")
    calls = apply_emulator.desired_calls(resolved, endpoint, apply_emulator.Overrides(1, 2, 5))
    subs = {c.path.split("/")[-1]: c.body for c in calls if "pushConfig" in c.body}
    assert set(subs) == {s.name for s in topo.subscriptions}
    body = subs["record-merge--github-events"]
    assert body["pushConfig"]["pushEndpoint"] == "http://127.0.0.1:9000/record-merge/projects/local-proj/topics/github-events"
    assert body["deadLetterPolicy"] == {"deadLetterTopic": "projects/local-proj/topics/record-merge--github-events--dead",
                                        "maxDeliveryAttempts": 5}
    assert body["retryPolicy"] == {"minimumBackoff": "1s", "maximumBackoff": "2s"}
    topics = {c.path.split("/")[-1] for c in calls if c.path.startswith("/topics/")}
    assert topics == set(topo.all_topic_names)


def test_emulator_refuses_unresolved_placeholders(topo):
    with pytest.raises(UserError, match="unresolved placeholder"):
        apply_emulator.desired_calls(topo, lambda f: "http://127.0.0.1:1")
