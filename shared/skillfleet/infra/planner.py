"""Topology -> Plan: the ordered sections a careful engineer would run by hand.

Order follows dependencies: APIs, identities, topics and dead-letter topics, storage and the
registry, secrets (and who may read them, before a deploy mounts them), functions, who may invoke
them, the push subscriptions that call them, the Pub/Sub agent's dead-lettering rights, Scheduler,
Workload Identity for the skills repo, and the remaining least-privilege grants.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath

from ..domain.messages import MESSAGE_TYPES
from . import gcloud
from .deploy_command import DEFAULT_SOURCE_ROOT, deploy_argv
from .grants import Group, bindings
from .shell import Plan, Section, Step, Variable
from .topology import Topology

PROJECT_NUMBER_CMD = ("gcloud", "projects", "describe", "${PROJECT}", "--format=value(projectNumber)")


def variables(topo: Topology, given: Mapping[str, str]) -> tuple[Variable, ...]:
    return tuple(Variable(name, p.help, given.get(name), p.default) for name, p in topo.params.items())


def plan(topo: Topology, given: Mapping[str, str] | None = None,
         source_root: PurePosixPath = DEFAULT_SOURCE_ROOT) -> Plan:
    grants = bindings(topo)

    def granted(group: Group) -> tuple[Step, ...]:
        return tuple(gcloud.grant(topo, b) for b in grants if b.group == group)

    dead_letters = tuple(step for d in topo.dead_letter_topics
                         for step in (gcloud.dead_letter_topic(topo, d), gcloud.keep_subscription(topo, d)))
    sections = (
        Section("project services (APIs)", (), (gcloud.enable_apis(topo),)),
        Section("service accounts",
                ("one runtime identity per function, plus the push, publisher and deployer identities",),
                tuple(gcloud.service_account(topo, sa.id, sa.display_name) for sa in topo.service_accounts)),
        Section("topics", ("the messages between functions (domain/messages.py)",),
                tuple(gcloud.topic(topo, t.name) for t in topo.topics)),
        Section("dead-letter topics",
                ("one per consuming subscription; each keeps its letters on a pull subscription",
                 "(`skillfleet dlq list` / `dlq replay` read them)"), dead_letters),
        Section("bundle bucket", ("content-addressed, write-once skill bundles",), (gcloud.bucket(topo),)),
        Section("Cloud SQL registry", ("instance, database and one IAM database user per function",
                                       "(new IAM users need GRANTs on the tables after `skillfleet db migrate`)"),
                tuple(gcloud.sql_steps(topo))),
        Section("secrets",
                ("containers only: add values with `gcloud secrets versions add NAME --data-file=-`",
                 "each function may read only the secrets it mounts"),
                tuple(gcloud.secret(topo, s.name) for s in topo.secrets) + granted("secrets")),
        Section("functions (deploy)",
                (f"run `skillfleet deploy stage --out {source_root}` first",
                 "all HTTP-triggered: consumers are reached by the push subscriptions below"),
                tuple(Step(deploy_argv(topo, fn, source_root)) for fn in topo.functions)),
        Section("function invokers",
                ("push targets: only the push identity; github-webhook is public by design",),
                granted("invokers")),
        Section("push subscriptions",
                ("one per (function, topic): OIDC push auth, retry backoff, dead letter",),
                tuple(gcloud.push_subscription(topo, s) for s in topo.subscriptions)),
        Section("Pub/Sub service agent (dead-lettering)",
                ("publisher on each dead-letter topic, subscriber on each source subscription",),
                granted("pubsub-agent")),
        Section("Cloud Scheduler",
                ("publishes the sweep requests; consumers get the same retry and dead letter",),
                tuple(gcloud.scheduler_job(topo, j, _attributes(j.message_type, j.name))
                      for j in topo.scheduler_jobs)),
        Section("Workload Identity Federation (skills repo tag workflow -> skill-tags)", (),
                tuple(gcloud.wif_steps(topo)) + granted("workload-identity")),
        Section("IAM: least privilege per function", ("publish only to the topics a function produces",),
                granted("runtime")),
        Section("IAM: deployer (Cloud Build)", ("act as the runtime identities only, not every account",),
                granted("deployer")),
    )
    return Plan("skillfleet infrastructure, generated from infra/topology.yaml by `skillfleet infra plan`",
                sections, variables(topo, given or {}), {"PROJECT_NUMBER": PROJECT_NUMBER_CMD})


def _attributes(message_type: str, job: str) -> str:
    cls = MESSAGE_TYPES[message_type]
    return f"type={message_type},schema_version={cls.SCHEMA_VERSION},correlation_id=scheduler-{job}"


def deploy_plan(topo: Topology, names: tuple[str, ...] = (), given: Mapping[str, str] | None = None,
                source_root: PurePosixPath = DEFAULT_SOURCE_ROOT) -> Plan:
    """Only the deploy commands (what Cloud Build runs after staging), for `names` or every function."""
    chosen = [fn for fn in topo.functions if not names or fn.name in names]
    why = (f"sources staged by `skillfleet deploy stage --out {source_root}`",)
    section = Section("functions (deploy)", why,
                      tuple(Step(deploy_argv(topo, fn, source_root)) for fn in chosen))
    return Plan("skillfleet function deploys, generated from infra/topology.yaml by `skillfleet deploy plan`",
                (section,), variables(topo, given or {}))
