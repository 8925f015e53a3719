"""record-merge Cloud Function (Pub/Sub push: github-events). Thin: the handler lives in skillfleet."""
from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent
from skillfleet import entrypoints


@functions_framework.cloud_event
def record_merge(cloud_event: CloudEvent) -> None:
    entrypoints.cloud_event("record-merge", cloud_event)
