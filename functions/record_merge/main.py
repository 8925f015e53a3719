"""record-merge Cloud Function (Pub/Sub push: github-events). Thin: the handler lives in skillfleet."""
from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent
from skillfleet.runtime import entry


@functions_framework.cloud_event
def record_merge(cloud_event: CloudEvent) -> None:
    entry.handle_cloud_event("record-merge", cloud_event)
