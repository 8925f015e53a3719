"""A local GitHub: REST + a little GraphQL over real git repositories, with signed webhooks,
rate limits, fault injection and a request log. See GitHubEmulator."""
from __future__ import annotations

from .emulator import GitHubEmulator
from .limits import Fault, RateLimits, RequestRecord
from .webhooks import DeliveryRecord, WebhookDelivery

__all__ = ["DeliveryRecord", "Fault", "GitHubEmulator", "RateLimits", "RequestRecord", "WebhookDelivery"]
