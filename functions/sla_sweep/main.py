"""sla-sweep Cloud Function (Pub/Sub push: sla-sweep-requested). Thin: the handler lives in skillfleet."""
from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent
from skillfleet import entrypoints


@functions_framework.cloud_event
def sla_sweep(cloud_event: CloudEvent) -> None:
    entrypoints.cloud_event("sla-sweep", cloud_event)
