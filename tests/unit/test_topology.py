"""infra/topology.yaml agrees with the code and keeps its promises: every topic used, every
consumer dead-lettered, least privilege per function, the skills repo pinned by id."""
from __future__ import annotations

from pathlib import Path

import pytest
from skillfleet.domain import yamlsafe
from skillfleet.domain.errors import UserError
from skillfleet.domain.messages import SkillTagPushed, Topic
from skillfleet.infra import consistency, grants, loader
from skillfleet.infra.deploy_command import effective_env
from skillfleet.runtime.functions import FUNCTIONS
from skillfleet.runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
TOPOLOGY = ROOT / "infra" / "topology.yaml"
WORKFLOW = ROOT / "infra" / "github" / "distribute-skills.yml"
EXTERNAL = {Topic.SKILL_TAGS, Topic.SLA_SWEEP_REQUESTED, Topic.DRIFT_SCAN_REQUESTED}


@pytest.fixture(scope="module")
def topo():
    return loader.load(TOPOLOGY)


def test_topology_loads_and_matches_the_function_table(topo):
    assert consistency.code_drift(topo) == []


def test_every_topic_the_code_uses_is_declared_and_nothing_declared_is_unused(topo):
    declared = {t.name for t in topo.topics}
    used = set(Topic.ALL) | {t for f in FUNCTIONS for t in (*f.consumes, *f.produces)}
    assert used <= declared
    produced = {t for f in FUNCTIONS for t in f.produces}
    consumed = {t for f in FUNCTIONS for t in f.consumes}
    assert declared <= consumed, "a topic nobody consumes"
    external = {t.name for t in topo.topics if t.external_publisher}
    assert declared - produced == external == EXTERNAL, "only GitHub Actions and Scheduler publish from outside"


def test_scheduler_jobs_are_the_external_producers_of_the_sweep_topics(topo):
    assert {j.topic for j in topo.scheduler_jobs} == {Topic.SLA_SWEEP_REQUESTED, Topic.DRIFT_SCAN_REQUESTED}


def test_one_push_subscription_per_function_and_consumed_topic(topo):
    pairs = sorted((s.function, s.topic) for s in topo.subscriptions)
    assert pairs == sorted((f.name, t) for f in FUNCTIONS for t in f.consumes)
    for sub in topo.subscriptions:
        assert sub.push_endpoint.startswith(topo.function_url(sub.function) + "/")
        assert sub.push_auth.audience == topo.function_url(sub.function)
        assert sub.push_auth.service_account == "sf-push-invoker"


def test_every_consuming_subscription_dead_letters_to_its_own_kept_topic(topo):
    dead = {d.name: d for d in topo.dead_letter_topics}
    targets = [s.dead_letter.topic for s in topo.subscriptions]
    assert len(set(targets)) == len(targets) == len(topo.subscriptions)
    assert set(targets) == set(dead)
    for sub in topo.subscriptions:
        assert 5 <= sub.dead_letter.max_delivery_attempts <= 100
        assert sub.retry.min_backoff_seconds <= sub.retry.max_backoff_seconds <= 600
        assert sub.ack_deadline_seconds >= topo.function(sub.function).timeout_seconds
    assert all(d.keep_subscription for d in dead.values()), "dead letters need a subscription or they are lost"
    assert not set(dead) & set(Topic.ALL)


def _publishers(topo):
    return {(b.resource, b.member) for b in grants.bindings(topo) if b.role == "roles/pubsub.publisher"}


def test_a_function_may_publish_only_to_the_topics_it_produces(topo):
    published = _publishers(topo)
    for spec in FUNCTIONS:
        member = f"serviceAccount:{topo.sa_email(topo.function(spec.name).service_account)}"
        allowed = {f"topic:{t}" for t in spec.produces}
        assert {r for r, m in published if m == member} == allowed, spec.name


def test_function_identities_have_no_pubsub_role_beyond_publishing(topo):
    function_members = {f"serviceAccount:{topo.sa_email(f.service_account)}" for f in topo.functions}
    for b in grants.bindings(topo):
        if b.member in function_members and b.role.startswith("roles/pubsub."):
            assert b.role == "roles/pubsub.publisher"
    assert len(function_members) == len(topo.functions), "one runtime identity per function"


def test_only_the_publisher_identity_and_nothing_else_publishes_skill_tags(topo):
    publisher = f"serviceAccount:{topo.sa_email('sf-skills-publisher')}"
    assert {m for r, m in _publishers(topo) if r == "topic:skill-tags"} == {publisher}
    assert {r for r, m in _publishers(topo) if m == publisher} == {"topic:skill-tags"}


def test_pubsub_agent_can_dead_letter_every_subscription(topo):
    agent = {(b.resource, b.role) for b in grants.bindings(topo) if b.member == grants.PUBSUB_AGENT}
    for sub in topo.subscriptions:
        assert (f"topic:{sub.dead_letter.topic}", "roles/pubsub.publisher") in agent
        assert (f"subscription:{sub.name}", "roles/pubsub.subscriber") in agent


def test_bundle_bucket_write_for_tag_received_only_read_for_the_functions_that_load_bundles(topo):
    on_bucket = [b for b in grants.bindings(topo) if b.resource == "bucket"]
    name = {f"serviceAccount:{topo.sa_email(f.service_account)}": f.name for f in topo.functions}
    writers = {name[b.member] for b in on_bucket if b.role == "roles/storage.objectCreator"}
    readers = {name[b.member] for b in on_bucket if b.role == "roles/storage.objectViewer"}
    assert writers == {"tag-received"}
    assert readers == {"tag-received", "generate-pr", "drift-scan", "review-pr", "sla-sweep"}
    assert not {b.role for b in on_bucket} - {"roles/storage.objectCreator", "roles/storage.objectViewer"}


def test_secrets_go_only_to_the_functions_that_need_them(topo):
    mounted = {f.name: set(f.secrets) for f in topo.functions}
    assert mounted["github-webhook"] == {"SKILLFLEET_WEBHOOK_SECRET"}
    assert {n for n, s in mounted.items() if "SKILLFLEET_WEBHOOK_SECRET" in s} == {"github-webhook"}
    assert {n for n, s in mounted.items() if "SKILLFLEET_SLACK_TOKEN" in s} == {"fan-out-repos", "sla-sweep",
                                                                               "drift-scan"}
    assert {n for n, s in mounted.items() if "SKILLFLEET_GITHUB_TOKEN" in s} == {
        "tag-received", "generate-pr", "review-pr", "record-merge", "sla-sweep", "drift-scan"}
    assert mounted["adoption-dashboard"] == set()
    accessors = {(b.resource, b.member) for b in grants.bindings(topo)
                 if b.role == "roles/secretmanager.secretAccessor"}
    expected = {(f"secret:{s}", f"serviceAccount:{topo.sa_email(f.service_account)}")
                for f in topo.functions for s in f.secrets.values()}
    assert accessors == expected


def test_every_database_user_gets_exactly_the_cloudsql_roles(topo):
    for fn in topo.functions:
        member = f"serviceAccount:{topo.sa_email(fn.service_account)}"
        roles = {b.role for b in grants.bindings(topo) if b.member == member and b.resource == "project"}
        assert roles == ({"roles/cloudsql.client", "roles/cloudsql.instanceUser"} if fn.database else set())


def test_only_github_webhook_is_public_and_push_targets_admit_only_the_push_identity(topo):
    assert [f.name for f in topo.functions if f.allow_unauthenticated] == ["github-webhook"]
    for fn in topo.functions:
        if fn.trigger == "pubsub-push":
            assert fn.invokers == ("sa:sf-push-invoker",), fn.name
            assert fn.retry


def test_environment_names_are_settings_fields(topo):
    fields = {f"SKILLFLEET_{name.upper()}" for name in Settings.model_fields}
    for fn in topo.functions:
        names = set(effective_env(topo, fn)) | set(fn.secrets)
        assert names <= fields, f"{fn.name}: {sorted(names - fields)} are not Settings fields"


def test_workload_identity_pins_the_skills_repository_by_ids(topo):
    wif = loader.resolve(topo, {"SKILLS_OWNER_ID": "1342004", "SKILLS_REPO_ID": "260064828",
                                "SKILLS_REPO": "acme/skills"}).workload_identity
    assert "assertion.repository_owner_id == '1342004'" in wif.attribute_condition
    assert "assertion.repository_id == '260064828'" in wif.attribute_condition
    assert "assertion.repository == 'acme/skills'" in wif.attribute_condition
    assert "assertion.ref_type == 'tag'" in wif.attribute_condition
    assert "acme/skills/.github/workflows/distribute-skills.yml@refs/tags/" in wif.attribute_condition
    assert wif.attribute_mapping["attribute.repository_id"] == "assertion.repository_id"
    (binding,) = [b for b in grants.bindings(loader.resolve(topo, {"SKILLS_REPO_ID": "260064828"}))
                  if b.role == "roles/iam.workloadIdentityUser"]
    assert binding.resource == "service-account:sf-skills-publisher"
    assert binding.member.endswith("/workloadIdentityPools/github/attribute.repository_id/260064828")


def test_the_tag_workflow_publishes_a_skill_tag_pushed_through_workload_identity():
    flow = yamlsafe.load(WORKFLOW.read_text(), where=str(WORKFLOW))
    assert flow["on"]["push"]["tags"] == ["*-v*.*.*"]
    assert flow["permissions"] == {"contents": "read", "id-token": "write"}
    steps = flow["jobs"]["publish"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert uses.index("actions/checkout@v4") < next(i for i, u in enumerate(uses) if u.startswith("google-github-actions/auth@"))
    auth = next(s for s in steps if s.get("uses", "").startswith("google-github-actions/auth@"))
    assert set(auth["with"]) >= {"workload_identity_provider", "service_account"}
    script = steps[-1]["run"]
    assert "gcloud pubsub topics publish skill-tags" in script
    assert "type=SkillTagPushed,schema_version=1,correlation_id=" in script
    assert "ACTIONS_ID_TOKEN_REQUEST_URL" in script and "audience=" in script
    body_fields = {part.split(":")[0].strip(" {") for part in script.split("'{", 1)[1].split("}'")[0].split(",")}
    assert body_fields == set(SkillTagPushed.model_fields)
    assert Settings.model_fields["skills_workflow"].default == ".github/workflows/distribute-skills.yml"


def _write_variant(tmp_path, old: str, new: str) -> Path:
    text = TOPOLOGY.read_text()
    assert old in text
    path = tmp_path / "topology.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("old,new,says", [
    ("max_delivery_attempts: 10}", "max_delivery_attempts: 4}", "greater than or equal to 5"),
    ("    memory: 1Gi\n", "    memory: 1Gi\n    memroy: 2Gi\n", "memroy"),
    ("    concurrency: 4\n", "    concurrency: \"4\"\n", "concurrency"),
    ("  - name: pr-opened\n", "  - name: pr-opened\n  - name: not-used\n", "not-used"),
    ("{SKILLFLEET_WEBHOOK_SECRET: skillfleet-webhook-secret}", "{}", "skillfleet-webhook-secret"),
    ("    ack_deadline_seconds: 300\n", "    ack_deadline_seconds: 30\n", "redeliver"),
    ("assertion.repository_id == '${SKILLS_REPO_ID}'\n    && ", "", "repository_id"),
    ("    publishes: [pr-opened]\n", "    publishes: [pr-opened, skill-tags]\n", None),
])
def test_broken_topologies_are_refused_with_a_reason(tmp_path, old, new, says):
    path = _write_variant(tmp_path, old, new)
    if says is None:    # loads, but disagrees with FUNCTIONS: the drift check names it
        assert any("generate-pr: publishes" in p for p in consistency.code_drift(loader.load(path)))
        return
    with pytest.raises(UserError) as err:
        drift = consistency.code_drift(loader.load(path))
        raise UserError("; ".join(drift))
    assert says in str(err.value)


def test_unknown_placeholders_are_refused(tmp_path):
    path = _write_variant(tmp_path, "name: ${PROJECT}-skillfleet-bundles", "name: ${PROJCET}-skillfleet-bundles")
    with pytest.raises(UserError, match="PROJCET"):
        loader.load(path)
