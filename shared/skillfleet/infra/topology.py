"""The shape of infra/topology.yaml: strict, frozen pydantic models (unknown keys are errors).

Strings may hold `${NAME}` placeholders (params, or PROJECT_NUMBER); `loader.resolve` fills them.
Cross-references between sections are checked in `consistency.py`.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_SA_ID = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
_NAME = r"^[a-z][a-z0-9-]*[a-z0-9]$"
_ENV = r"^SKILLFLEET_[A-Z0-9_]+$"


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Param(_Strict):
    help: str
    default: str | None = None


class ServiceAccount(_Strict):
    id: str = Field(pattern=_SA_ID)
    display_name: str


class TopicDecl(_Strict):
    name: str = Field(pattern=_NAME)
    # who publishes besides the functions (a workflow, Cloud Scheduler); documents an otherwise
    # producer-less topic
    external_publisher: str | None = None


class DeadLetterTopic(_Strict):
    name: str
    keep_subscription: str      # pull subscription that retains the dead letters
    retention_days: int = Field(ge=1, le=7)   # a subscription keeps unacked messages 7 days at most


class RetryPolicy(_Strict):
    min_backoff_seconds: int = Field(ge=0, le=600)
    max_backoff_seconds: int = Field(ge=0, le=600)

    @model_validator(mode="after")
    def _ordered(self) -> RetryPolicy:
        if self.min_backoff_seconds > self.max_backoff_seconds:
            raise ValueError("retry: min_backoff_seconds must not exceed max_backoff_seconds")
        return self


class DeadLetterPolicy(_Strict):
    topic: str
    max_delivery_attempts: int = Field(ge=5, le=100)


class PushAuth(_Strict):
    service_account: str        # a service_accounts[].id
    audience: str


class Subscription(_Strict):
    name: str
    topic: str
    function: str
    push_endpoint: str
    push_auth: PushAuth
    ack_deadline_seconds: int = Field(ge=10, le=600)
    retry: RetryPolicy
    dead_letter: DeadLetterPolicy


class SecretDecl(_Strict):
    name: str = Field(pattern=_NAME)
    purpose: str


class Bucket(_Strict):
    name: str
    soft_delete_days: int = Field(ge=0, le=90)


class CloudSql(_Strict):
    instance: str = Field(pattern=_NAME)
    database: str
    database_version: str = Field(pattern=r"^POSTGRES_\d+$")
    edition: Literal["enterprise", "enterprise-plus"]
    tier: str


class FunctionDecl(_Strict):
    name: str = Field(pattern=_NAME)
    entry_point: str = Field(pattern=r"^[a-z_][a-z0-9_]*$")
    runtime: Literal["python312"]
    trigger: Literal["pubsub-push", "http"]
    service_account: str
    ingress: Literal["all", "internal-only", "internal-and-gclb"]
    allow_unauthenticated: bool
    invokers: tuple[str, ...]            # "sa:ID" or an IAM principal (group:..., user:...)
    publishes: tuple[str, ...]
    database: bool
    bucket: Literal["none", "read", "write"]
    secrets: dict[str, str]              # env var -> secret name (always :latest)
    env: dict[str, str]
    memory: str = Field(pattern=r"^\d+(Mi|Gi)$")
    cpu: str
    concurrency: int = Field(ge=1, le=1000)
    max_instances: int = Field(ge=1, le=1000)
    min_instances: int = Field(default=0, ge=0)
    timeout_seconds: int = Field(ge=1, le=3600)
    retry: bool                          # failures are redelivered (push subscription) then dead-lettered

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")

    @model_validator(mode="after")
    def _env_names(self) -> FunctionDecl:
        for key in (*self.env, *self.secrets):
            if not re.match(_ENV, key):
                raise ValueError(f"{self.name}: env var {key!r} must start with SKILLFLEET_ "
                                 "(Settings reads only those)")
        for key, value in self.env.items():
            if "," in value:
                raise ValueError(f"{self.name}: {key} holds a comma, which --set-env-vars cannot carry")
        return self


class SchedulerJob(_Strict):
    name: str = Field(pattern=_NAME)
    description: str
    schedule: str
    time_zone: str
    topic: str
    message_type: str
    body: str                            # the message's JSON


class Impersonation(_Strict):
    service_account: str
    attribute: str                       # a mapped attribute, e.g. repository_id
    value: str


class WorkloadIdentity(_Strict):
    pool: str = Field(pattern=_NAME)
    pool_display_name: str
    provider: str = Field(pattern=_NAME)
    provider_display_name: str
    issuer_uri: str
    attribute_mapping: dict[str, str]
    attribute_condition: str
    impersonation: Impersonation


class Deployer(_Strict):
    service_account: str
    project_roles: tuple[str, ...]


class Grant(_Strict):
    """One IAM binding. resource: project | topic:T | subscription:S | secret:S | bucket |
    function:F | service-account:ID. member: sa:ID | pubsub-agent | an IAM principal."""

    resource: str
    role: str
    member: str
    why: str


class Topology(_Strict):
    version: Literal[1]
    project: str
    region: str
    params: dict[str, Param]
    apis: tuple[str, ...]
    function_url_base: str
    service_accounts: tuple[ServiceAccount, ...]
    topics: tuple[TopicDecl, ...]
    dead_letter_topics: tuple[DeadLetterTopic, ...]
    subscriptions: tuple[Subscription, ...]
    secrets: tuple[SecretDecl, ...]
    bucket: Bucket
    cloud_sql: CloudSql
    common_env: dict[str, str]
    functions: tuple[FunctionDecl, ...]
    scheduler_jobs: tuple[SchedulerJob, ...]
    workload_identity: WorkloadIdentity
    deployer: Deployer
    iam: tuple[Grant, ...]

    def function(self, name: str) -> FunctionDecl:
        for fn in self.functions:
            if fn.name == name:
                return fn
        raise KeyError(name)

    def subscriptions_of(self, function: str) -> tuple[Subscription, ...]:
        return tuple(s for s in self.subscriptions if s.function == function)

    def subscription_for(self, function: str, topic: str) -> Subscription:
        for sub in self.subscriptions:
            if sub.function == function and sub.topic == topic:
                return sub
        raise KeyError((function, topic))

    def function_url(self, function: str) -> str:
        return f"{self.function_url_base}/{function}"

    def sa_email(self, account_id: str) -> str:
        return f"{account_id}@{self.project}.iam.gserviceaccount.com"

    @property
    def all_topic_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.topics) + tuple(d.name for d in self.dead_letter_topics)
