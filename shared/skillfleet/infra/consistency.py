"""Cross-checks of a topology: within itself, and against the code (FUNCTIONS, Topic.ALL, messages).

Each check returns sentences saying what is wrong and where; the loader refuses a topology with any.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

from pydantic import ValidationError

from ..domain.messages import MESSAGE_TYPES, Topic
from ..runtime.functions import FUNCTIONS
from .topology import Topology

_PRINCIPAL_PREFIXES = ("sa:", "pubsub-agent", "user:", "group:", "serviceAccount:", "domain:", "allUsers",
                       "principal:", "principalSet:", "${")


def problems(topo: Topology) -> list[str]:
    return [*_references(topo), *_subscriptions(topo), *_functions(topo), *_scheduler(topo),
            *_workload_identity(topo), *_grants(topo)]


def _dupes(names: list[str], what: str) -> Iterator[str]:
    for name, count in Counter(names).items():
        if count > 1:
            yield f"{what} {name!r} is declared {count} times"


def _references(topo: Topology) -> Iterator[str]:
    accounts = {sa.id for sa in topo.service_accounts}
    yield from _dupes([sa.id for sa in topo.service_accounts], "service account")
    yield from _dupes(list(topo.all_topic_names), "topic")
    yield from _dupes([s.name for s in topo.subscriptions]
                      + [d.keep_subscription for d in topo.dead_letter_topics], "subscription")
    yield from _dupes([f.name for f in topo.functions], "function")
    refs = [(f"function {f.name}", f.service_account) for f in topo.functions]
    refs += [(f"subscription {s.name} push_auth", s.push_auth.service_account) for s in topo.subscriptions]
    refs += [("workload_identity.impersonation", topo.workload_identity.impersonation.service_account),
             ("deployer", topo.deployer.service_account)]
    for where, account in refs:
        if account not in accounts:
            yield f"{where}: service account {account!r} is not declared under service_accounts"
    yield from _dupes([f.service_account for f in topo.functions],
                      "runtime service account (one per function)")


def _subscriptions(topo: Topology) -> Iterator[str]:
    topics = {t.name for t in topo.topics}
    dead = {d.name for d in topo.dead_letter_topics}
    functions = {f.name: f for f in topo.functions}
    for sub in topo.subscriptions:
        if sub.topic not in topics:
            yield f"subscription {sub.name}: topic {sub.topic!r} is not declared under topics"
        if sub.dead_letter.topic not in dead:
            yield f"subscription {sub.name}: dead-letter topic {sub.dead_letter.topic!r} is not declared"
        fn = functions.get(sub.function)
        if fn is None:
            yield f"subscription {sub.name}: function {sub.function!r} is not declared"
            continue
        url = topo.function_url(fn.name)
        if sub.push_endpoint != url and not sub.push_endpoint.startswith(url + "/"):
            yield f"subscription {sub.name}: push_endpoint must be {fn.name}'s URL {url} (plus a path)"
        if sub.push_auth.audience != url:
            yield f"subscription {sub.name}: push_auth.audience must be {url}, the URL Cloud Run checks"
        if sub.ack_deadline_seconds < fn.timeout_seconds:
            yield (f"subscription {sub.name}: ack_deadline_seconds {sub.ack_deadline_seconds} is below "
                   f"{fn.name}'s timeout {fn.timeout_seconds}s; Pub/Sub would redeliver a running request")
    used = Counter(s.dead_letter.topic for s in topo.subscriptions)
    for name in sorted(dead):
        if used[name] != 1:
            yield f"dead-letter topic {name} is used by {used[name]} subscriptions; expected exactly one"


def _functions(topo: Topology) -> Iterator[str]:
    topics = {t.name for t in topo.topics}
    secrets = {s.name for s in topo.secrets}
    used_secrets: set[str] = set()
    for fn in topo.functions:
        subs = topo.subscriptions_of(fn.name)
        if fn.trigger == "pubsub-push" and not subs:
            yield f"function {fn.name}: trigger pubsub-push but no subscription pushes to it"
        if fn.trigger == "http" and subs:
            yield f"function {fn.name}: trigger http but subscriptions push to it; use pubsub-push"
        if subs and fn.allow_unauthenticated:
            yield f"function {fn.name}: a push target must require authentication"
        if fn.retry != bool(subs):
            yield f"function {fn.name}: retry must be {bool(subs)} (only push subscriptions redeliver)"
        for topic in fn.publishes:
            if topic not in topics:
                yield f"function {fn.name}: publishes to undeclared topic {topic!r}"
        for secret in fn.secrets.values():
            used_secrets.add(secret)
            if secret not in secrets:
                yield f"function {fn.name}: secret {secret!r} is not declared under secrets"
        for member in fn.invokers:
            if not member.startswith(_PRINCIPAL_PREFIXES):
                yield f"function {fn.name}: invoker {member!r} is not sa:ID or an IAM principal"
    for unused in sorted(secrets - used_secrets):
        yield f"secret {unused} is declared but no function reads it"


def _scheduler(topo: Topology) -> Iterator[str]:
    topics = {t.name for t in topo.topics}
    for job in topo.scheduler_jobs:
        if job.topic not in topics:
            yield f"scheduler job {job.name}: topic {job.topic!r} is not declared"
        cls = MESSAGE_TYPES.get(job.message_type)
        if cls is None:
            yield f"scheduler job {job.name}: unknown message_type {job.message_type!r}"
            continue
        if cls.TOPIC != job.topic:
            yield f"scheduler job {job.name}: {job.message_type} belongs on {cls.TOPIC}, not {job.topic}"
        try:
            cls.model_validate(json.loads(job.body))
        except (ValueError, ValidationError) as exc:
            reason = str(exc).replace("\n", " ")
            yield f"scheduler job {job.name}: body is not a valid {job.message_type}: {reason}"


def _workload_identity(topo: Topology) -> Iterator[str]:
    wif = topo.workload_identity
    if f"attribute.{wif.impersonation.attribute}" not in wif.attribute_mapping:
        yield f"workload_identity: impersonation attribute {wif.impersonation.attribute!r} is not mapped"
    for claim in ("assertion.repository_owner_id ==", "assertion.repository_id =="):
        if claim not in wif.attribute_condition:
            yield (f"workload_identity: attribute_condition must pin {claim.split()[0]} "
                   "(numeric, never reused)")


def _grants(topo: Topology) -> Iterator[str]:
    known = {"project", "bucket"} | {f"topic:{n}" for n in topo.all_topic_names}
    known |= {f"subscription:{s.name}" for s in topo.subscriptions}
    known |= {f"secret:{s.name}" for s in topo.secrets} | {f"function:{f.name}" for f in topo.functions}
    known |= {f"service-account:{sa.id}" for sa in topo.service_accounts}
    accounts = {sa.id for sa in topo.service_accounts}
    for grant in topo.iam:
        if grant.resource not in known:
            yield f"iam: unknown resource {grant.resource!r}"
        if grant.member.startswith("sa:") and grant.member[3:] not in accounts:
            yield f"iam: member {grant.member!r} is not a declared service account"


def code_drift(topo: Topology) -> list[str]:
    """Where the topology and the code disagree on functions and topics."""
    out: list[str] = []
    declared = {t.name: t for t in topo.topics}
    for name in sorted(set(Topic.ALL) - set(declared)):
        out.append(f"topic {name} (Topic.ALL) is missing from the topology")
    for name in sorted(set(declared) - set(Topic.ALL)):
        out.append(f"topic {name} is in the topology but not in Topic.ALL")
    by_name = {f.name: f for f in topo.functions}
    for spec in FUNCTIONS:
        fn = by_name.get(spec.name)
        if fn is None:
            out.append(f"function {spec.name} (FUNCTIONS) is missing from the topology")
            continue
        if fn.entry_point != spec.entry_point:
            out.append(f"function {spec.name}: entry_point {fn.entry_point} != {spec.entry_point}")
        if set(fn.publishes) != set(spec.produces):
            out.append(f"function {spec.name}: publishes {sorted(fn.publishes)} "
                       f"!= produces {sorted(spec.produces)}")
        consumed = {s.topic for s in topo.subscriptions_of(spec.name)}
        if consumed != set(spec.consumes):
            out.append(f"function {spec.name}: subscribed to {sorted(consumed)} "
                       f"!= consumes {sorted(spec.consumes)}")
        if (fn.trigger == "http") != (spec.trigger == "http"):
            out.append(f"function {spec.name}: trigger {fn.trigger} does not match {spec.trigger}")
    for name in sorted(set(by_name) - {s.name for s in FUNCTIONS}):
        out.append(f"function {name} is in the topology but not in FUNCTIONS")
    producers = {t for spec in FUNCTIONS for t in spec.produces}
    consumers = {t for spec in FUNCTIONS for t in spec.consumes}
    for name, topic in sorted(declared.items()):
        if name not in producers and not topic.external_publisher:
            out.append(f"topic {name} has no producing function and no external_publisher")
        if name not in consumers:
            out.append(f"topic {name} has no consuming function")
    return out
