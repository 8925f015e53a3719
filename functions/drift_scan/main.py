"""drift-scan Cloud Function (Pub/Sub push: drift-scan-requested). Thin: the handler lives in skillfleet."""
from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent
from skillfleet import entrypoints


@functions_framework.cloud_event
def drift_scan(cloud_event: CloudEvent) -> None:
    entrypoints.cloud_event("drift-scan", cloud_event)
