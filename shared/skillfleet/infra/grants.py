"""Every IAM binding the topology implies, as data: derived from each function's declaration
(publishes, secrets, database, bucket, invokers), the subscriptions' dead-lettering, Workload
Identity and the deployer, plus the topology's explicit `iam` list. Tests read this list directly.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .topology import Topology

Group = Literal["secrets", "invokers", "pubsub-agent", "workload-identity", "runtime", "deployer"]

PUBSUB_AGENT = "serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-pubsub.iam.gserviceaccount.com"


@dataclass(frozen=True)
class Binding:
    # project | bucket | topic:T | subscription:S | secret:S | function:F | service-account:ID
    resource: str
    role: str
    member: str        # a full IAM principal
    why: str
    group: Group


def member(topo: Topology, ref: str) -> str:
    if ref.startswith("sa:"):
        return f"serviceAccount:{topo.sa_email(ref[3:])}"
    if ref == "pubsub-agent":
        return PUBSUB_AGENT
    return ref


def bindings(topo: Topology) -> list[Binding]:
    return [*_function_bindings(topo), *_dead_letter_bindings(topo), *_wif_bindings(topo),
            *_deployer_bindings(topo), *_explicit(topo)]


def _function_bindings(topo: Topology) -> list[Binding]:
    out: list[Binding] = []
    for fn in topo.functions:
        sa = member(topo, f"sa:{fn.service_account}")
        for secret in sorted(set(fn.secrets.values())):
            out.append(Binding(f"secret:{secret}", "roles/secretmanager.secretAccessor", sa,
                               f"{fn.name} reads it", "secrets"))
        for ref in fn.invokers:
            out.append(Binding(f"function:{fn.name}", "roles/run.invoker", member(topo, ref),
                               f"may call {fn.name}", "invokers"))
        for topic in fn.publishes:
            out.append(Binding(f"topic:{topic}", "roles/pubsub.publisher", sa,
                               f"{fn.name} produces {topic}", "runtime"))
        if fn.database:
            for role in ("roles/cloudsql.client", "roles/cloudsql.instanceUser"):
                out.append(Binding("project", role, sa, f"{fn.name} logs in to the registry as an IAM user",
                                   "runtime"))
        if fn.bucket == "write":
            # create-only: objectCreator cannot overwrite or delete, which keeps bundles write-once;
            # viewer lets a redelivery read the existing bundle back to compare its sha256
            out.append(Binding("bucket", "roles/storage.objectCreator", sa, f"{fn.name} writes bundles",
                               "runtime"))
        if fn.bucket in ("write", "read"):
            out.append(Binding("bucket", "roles/storage.objectViewer", sa, f"{fn.name} reads bundles",
                               "runtime"))
    return out


def _dead_letter_bindings(topo: Topology) -> list[Binding]:
    out: list[Binding] = []
    for sub in topo.subscriptions:
        out.append(Binding(f"topic:{sub.dead_letter.topic}", "roles/pubsub.publisher", PUBSUB_AGENT,
                           f"Pub/Sub forwards {sub.name}'s dead letters", "pubsub-agent"))
        out.append(Binding(f"subscription:{sub.name}", "roles/pubsub.subscriber", PUBSUB_AGENT,
                           f"Pub/Sub acks what it forwarded from {sub.name}", "pubsub-agent"))
    return out


def _wif_bindings(topo: Topology) -> list[Binding]:
    wif = topo.workload_identity
    imp = wif.impersonation
    principal = (f"principalSet://iam.googleapis.com/projects/${{PROJECT_NUMBER}}/locations/global/"
                 f"workloadIdentityPools/{wif.pool}/attribute.{imp.attribute}/{imp.value}")
    return [Binding(f"service-account:{imp.service_account}", "roles/iam.workloadIdentityUser", principal,
                    f"only tokens with {imp.attribute}={imp.value} (and the provider's condition) "
                    "may impersonate it", "workload-identity")]


def _deployer_bindings(topo: Topology) -> list[Binding]:
    dep = member(topo, f"sa:{topo.deployer.service_account}")
    out = [Binding("project", role, dep, "Cloud Build deploys the functions", "deployer")
           for role in topo.deployer.project_roles]
    for fn in topo.functions:
        out.append(Binding(f"service-account:{fn.service_account}", "roles/iam.serviceAccountUser", dep,
                           f"deploy {fn.name} to run as its own identity", "deployer"))
    return out


def _explicit(topo: Topology) -> list[Binding]:
    groups: dict[str, Group] = {"pubsub-agent": "pubsub-agent"}
    return [Binding(g.resource, g.role, member(topo, g.member), g.why, groups.get(g.member, "runtime"))
            for g in topo.iam]
