"""gcloud command lines for each kind of resource in the topology, as idempotent Steps.

Flags follow the local `gcloud ... --help` of SDK 528 and ../shared/reference/gcp.md §2, §4, §6, §7.
Every command names --project (or a fully qualified resource) so nothing depends on gcloud config.
"""
from __future__ import annotations

from .grants import Binding
from .shell import Argv, Step
from .topology import DeadLetterTopic, SchedulerJob, Subscription, Topology

LABELS = "app=skillfleet"


def _p(topo: Topology) -> str:
    return f"--project={topo.project}"


def enable_apis(topo: Topology) -> Step:
    return Step(("gcloud", "services", "enable", *topo.apis, _p(topo)))


def service_account(topo: Topology, account_id: str, display_name: str) -> Step:
    return Step(check=("gcloud", "iam", "service-accounts", "describe", topo.sa_email(account_id), _p(topo)),
                run=("gcloud", "iam", "service-accounts", "create", account_id,
                     f"--display-name={display_name}", _p(topo)))


def topic(topo: Topology, name: str, retention: str | None = None) -> Step:
    extra = (f"--message-retention-duration={retention}",) if retention else ()
    return Step(check=("gcloud", "pubsub", "topics", "describe", name, _p(topo)),
                run=("gcloud", "pubsub", "topics", "create", name, f"--labels={LABELS}", *extra, _p(topo)))


def dead_letter_topic(topo: Topology, dead: DeadLetterTopic) -> Step:
    # the topic keeps 31 days (its maximum) so a letter acked by mistake can still be recovered with
    # `gcloud pubsub subscriptions seek`; the keep subscription itself holds 7 days at most
    return topic(topo, dead.name, retention="31d")


def keep_subscription(topo: Topology, dead: DeadLetterTopic) -> Step:
    """A pull subscription on a dead-letter topic: it holds the letters until a person acts."""
    settings = (f"--message-retention-duration={dead.retention_days}d",
                # unattended pull subscriptions expire after 31 idle days by default
                "--expiration-period=never", "--ack-deadline=60", _p(topo))
    name = dead.keep_subscription
    return Step(check=("gcloud", "pubsub", "subscriptions", "describe", name, _p(topo)),
                update=("gcloud", "pubsub", "subscriptions", "update", name, *settings),
                run=("gcloud", "pubsub", "subscriptions", "create", name, f"--topic={dead.name}",
                     f"--labels={LABELS}", *settings))


def push_subscription(topo: Topology, sub: Subscription) -> Step:
    settings = (
        f"--push-endpoint={sub.push_endpoint}",
        f"--push-auth-service-account={topo.sa_email(sub.push_auth.service_account)}",
        f"--push-auth-token-audience={sub.push_auth.audience}",
        f"--ack-deadline={sub.ack_deadline_seconds}",
        f"--min-retry-delay={sub.retry.min_backoff_seconds}s",
        f"--max-retry-delay={sub.retry.max_backoff_seconds}s",
        f"--dead-letter-topic={sub.dead_letter.topic}",
        f"--max-delivery-attempts={sub.dead_letter.max_delivery_attempts}",
        "--expiration-period=never",
        _p(topo),
    )
    return Step(check=("gcloud", "pubsub", "subscriptions", "describe", sub.name, _p(topo)),
                update=("gcloud", "pubsub", "subscriptions", "update", sub.name, *settings),
                run=("gcloud", "pubsub", "subscriptions", "create", sub.name, f"--topic={sub.topic}",
                     f"--labels={LABELS}", *settings),
                note=f"{sub.topic} -> {sub.function}")


def bucket(topo: Topology) -> Step:
    url = f"gs://{topo.bucket.name}"
    return Step(check=("gcloud", "storage", "buckets", "describe", url, _p(topo)),
                run=("gcloud", "storage", "buckets", "create", url, f"--location={topo.region}",
                     "--uniform-bucket-level-access", "--public-access-prevention",
                     f"--soft-delete-duration={topo.bucket.soft_delete_days}d", _p(topo)))


def sql_steps(topo: Topology) -> list[Step]:
    sql = topo.cloud_sql
    inst = f"--instance={sql.instance}"
    steps = [
        Step(check=("gcloud", "sql", "instances", "describe", sql.instance, _p(topo)),
             run=("gcloud", "sql", "instances", "create", sql.instance,
                  f"--database-version={sql.database_version}", f"--edition={sql.edition}",
                  f"--tier={sql.tier}", f"--region={topo.region}",
                  "--database-flags=cloudsql.iam_authentication=on", "--deletion-protection", _p(topo)),
             note="IAM database authentication on: functions log in as their service accounts, no passwords"),
        Step(check=("gcloud", "sql", "databases", "describe", sql.database, inst, _p(topo)),
             run=("gcloud", "sql", "databases", "create", sql.database, inst, _p(topo))),
    ]
    for fn in topo.functions:
        if fn.database:
            user = db_user(topo, fn.service_account)
            steps.append(Step(check=("gcloud", "sql", "users", "describe", user, inst, _p(topo)),
                              run=("gcloud", "sql", "users", "create", user, inst,
                                   "--type=cloud_iam_service_account", _p(topo))))
    return steps


def db_user(topo: Topology, account_id: str) -> str:
    # the database user name is the SA email without ".gserviceaccount.com" (gcp.md §5)
    return f"{account_id}@{topo.project}.iam"


def secret(topo: Topology, name: str) -> Step:
    return Step(check=("gcloud", "secrets", "describe", name, _p(topo)),
                run=("gcloud", "secrets", "create", name, "--replication-policy=automatic",
                     f"--labels={LABELS}", _p(topo)))


def scheduler_job(topo: Topology, job: SchedulerJob, attributes: str) -> Step:
    where = ("--location=" + topo.region, _p(topo))
    common = (f"--schedule={job.schedule}", f"--time-zone={job.time_zone}", f"--topic={job.topic}",
              f"--message-body={job.body}", f"--description={job.description}")
    return Step(check=("gcloud", "scheduler", "jobs", "describe", job.name, *where),
                update=("gcloud", "scheduler", "jobs", "update", "pubsub", job.name, *common,
                        f"--update-attributes={attributes}", *where),
                run=("gcloud", "scheduler", "jobs", "create", "pubsub", job.name, *common,
                     f"--attributes={attributes}", *where))


def wif_steps(topo: Topology) -> list[Step]:
    wif = topo.workload_identity
    pool = ("--location=global", _p(topo))
    provider = (f"--workload-identity-pool={wif.pool}", *pool)
    mapping = ",".join(f"{k}={v}" for k, v in wif.attribute_mapping.items())
    settings = (f"--display-name={wif.provider_display_name}", f"--issuer-uri={wif.issuer_uri}",
                f"--attribute-mapping={mapping}", f"--attribute-condition={wif.attribute_condition}")
    base = ("gcloud", "iam", "workload-identity-pools", "providers")
    return [
        Step(check=("gcloud", "iam", "workload-identity-pools", "describe", wif.pool, *pool),
             run=("gcloud", "iam", "workload-identity-pools", "create", wif.pool,
                  f"--display-name={wif.pool_display_name}", *pool)),
        Step(check=(*base, "describe", wif.provider, *provider),
             update=(*base, "update-oidc", wif.provider, *settings, *provider),
             run=(*base, "create-oidc", wif.provider, *settings, *provider),
             note="the condition pins owner id, repository id and name, tag refs and the workflow file"),
    ]


def grant(topo: Topology, b: Binding) -> Step:
    kind, _, name = b.resource.partition(":")
    who = (f"--member={b.member}", f"--role={b.role}")
    cmd: Argv
    if kind == "project":
        cmd = ("gcloud", "projects", "add-iam-policy-binding", topo.project, *who, "--condition=None")
    elif kind == "bucket":
        cmd = ("gcloud", "storage", "buckets", "add-iam-policy-binding", f"gs://{topo.bucket.name}", *who,
               _p(topo))
    elif kind == "function":
        # gen2: binds roles/run.invoker on the function's Cloud Run service
        cmd = ("gcloud", "functions", "add-invoker-policy-binding", name, f"--region={topo.region}",
               f"--member={b.member}", _p(topo))
    elif kind == "service-account":
        cmd = ("gcloud", "iam", "service-accounts", "add-iam-policy-binding", topo.sa_email(name), *who,
               _p(topo))
    else:
        group = {"topic": ("pubsub", "topics"), "subscription": ("pubsub", "subscriptions"),
                 "secret": ("secrets",)}[kind]
        cmd = ("gcloud", *group, "add-iam-policy-binding", name, *who, _p(topo))
    return Step(cmd, note=b.why)
