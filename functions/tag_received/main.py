"""tag-received Cloud Function (Pub/Sub push: skill-tags). Thin: the handler lives in skillfleet."""
from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent
from skillfleet import entrypoints


@functions_framework.cloud_event
def tag_received(cloud_event: CloudEvent) -> None:
    entrypoints.cloud_event("tag-received", cloud_event)
