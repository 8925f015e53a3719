"""fan-out-repos Cloud Function (Pub/Sub push: skill-released). Thin: the handler lives in skillfleet."""
from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent
from skillfleet import entrypoints


@functions_framework.cloud_event
def fan_out_repos(cloud_event: CloudEvent) -> None:
    entrypoints.cloud_event("fan-out-repos", cloud_event)
