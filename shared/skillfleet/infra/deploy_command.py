"""`gcloud functions deploy --gen2` for one function, from its topology declaration.

Used by `skillfleet infra plan` (functions section) and `skillfleet deploy plan` (Cloud Build), so
the two can never disagree. Every function is HTTP-triggered: the consumers are reached by the
explicit push subscriptions of the topology (infra/README.md says why).
"""
from __future__ import annotations

from pathlib import PurePosixPath

from . import gcloud
from .shell import Argv
from .topology import FunctionDecl, Topology

DEFAULT_SOURCE_ROOT = PurePosixPath("build/functions")


def effective_env(topo: Topology, fn: FunctionDecl) -> dict[str, str]:
    """common_env, then what the declarations imply, then the function's own env (wins)."""
    env = dict(topo.common_env)
    if fn.database:
        sql = topo.cloud_sql
        env["SKILLFLEET_CLOUDSQL_INSTANCE"] = f"{topo.project}:{topo.region}:{sql.instance}"
        env["SKILLFLEET_DB_NAME"] = sql.database
        env["SKILLFLEET_DB_IAM_USER"] = gcloud.db_user(topo, fn.service_account)
    if fn.bucket != "none":
        env["SKILLFLEET_BLOB_STORE"] = "gcs"
        env["SKILLFLEET_BUCKET"] = topo.bucket.name
    subs = topo.subscriptions_of(fn.name)
    if subs:
        # the function checks Google's push token itself too (defence in depth behind Cloud Run IAM)
        env["SKILLFLEET_PUSH_AUDIENCE"] = subs[0].push_auth.audience
        env["SKILLFLEET_PUSH_SERVICE_ACCOUNT"] = topo.sa_email(subs[0].push_auth.service_account)
    env.update(fn.env)
    return dict(sorted(env.items()))


def deploy_argv(topo: Topology, fn: FunctionDecl, source_root: PurePosixPath = DEFAULT_SOURCE_ROOT) -> Argv:
    env = effective_env(topo, fn)
    argv: list[str] = [
        "gcloud", "functions", "deploy", fn.name, "--gen2",
        f"--region={topo.region}", f"--project={topo.project}",
        f"--runtime={fn.runtime}", f"--source={source_root / fn.module}", f"--entry-point={fn.entry_point}",
        "--trigger-http",
        "--allow-unauthenticated" if fn.allow_unauthenticated else "--no-allow-unauthenticated",
        f"--ingress-settings={fn.ingress}",
        f"--service-account={topo.sa_email(fn.service_account)}",
        "--set-env-vars=" + ",".join(f"{k}={v}" for k, v in env.items()),
    ]
    if fn.secrets:
        argv.append("--set-secrets=" + ",".join(f"{k}={v}:latest" for k, v in sorted(fn.secrets.items())))
    else:
        argv.append("--clear-secrets")   # converge: a secret dropped from the topology is unmounted
    argv += [
        f"--memory={fn.memory}", f"--cpu={fn.cpu}", f"--concurrency={fn.concurrency}",
        f"--min-instances={fn.min_instances}", f"--max-instances={fn.max_instances}",
        f"--timeout={fn.timeout_seconds}s", f"--update-labels={gcloud.LABELS}",
    ]
    return tuple(argv)
