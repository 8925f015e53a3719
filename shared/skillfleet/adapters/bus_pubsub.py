"""The Bus port on Google Cloud Pub/Sub (google-cloud-pubsub), also used against the emulator.

The client is built lazily on first publish (never at import, so a cold start that does not
publish pays nothing) and reused afterwards. Every publish waits for the server's message id:
an error or a timeout raises, so a lost publish makes the calling handler fail and retry.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from ..domain.errors import TransientError
from ..domain.messages import Message, encode

DEFAULT_TIMEOUT_S = 30.0


class _Future(Protocol):
    def result(self, timeout: float | None = None) -> Any: ...


class Publisher(Protocol):
    """The slice of google.cloud.pubsub_v1.PublisherClient this adapter uses."""

    def publish(self, topic: str, data: bytes, **kwargs: Any) -> _Future: ...


PublisherFactory = Callable[[], Publisher]


def topic_path(project: str, topic: str) -> str:
    return f"projects/{project}/topics/{topic}"


def subscription_path(project: str, subscription: str) -> str:
    return f"projects/{project}/subscriptions/{subscription}"


def make_publisher_factory(emulator_host: str | None = None) -> PublisherFactory:
    """A factory for a real PublisherClient; with `emulator_host` ("127.0.0.1:8085") it talks
    plain gRPC to the emulator with anonymous credentials instead of Google with ADC."""

    def build() -> Publisher:
        from google.cloud import pubsub_v1

        if not emulator_host:
            client: Publisher = pubsub_v1.PublisherClient()
            return client
        from google.pubsub_v1.services.publisher.transports import PublisherGrpcTransport

        transport = PublisherGrpcTransport(channel=_insecure_channel(emulator_host))
        emulated: Publisher = pubsub_v1.PublisherClient(transport=transport)
        return emulated

    return build


def _insecure_channel(host: str) -> Any:
    import grpc

    return grpc.insecure_channel(host.removeprefix("http://"))


class PubSubBus:
    """Publishes `encode(message)` to projects/<project>/topics/<message.TOPIC>.

    Pass `publisher_factory` to choose the client (tests), or `emulator_host` for the emulator;
    with neither it is the real PublisherClient with Application Default Credentials.
    """

    def __init__(
        self, project: str, *, publisher_factory: PublisherFactory | None = None,
        emulator_host: str | None = None, timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self._project = project
        self._factory = publisher_factory or make_publisher_factory(emulator_host)
        self._timeout = timeout
        self._client: Publisher | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PubSubBus(project={self._project!r})"

    def publish(self, message: Message, *, correlation_id: str = "") -> str:
        data, attrs = encode(message, correlation_id)
        return self.publish_raw(message.TOPIC, data, attrs)

    def publish_many(self, messages: Sequence[Message], *, correlation_id: str = "") -> list[str]:
        """Hand every message to the client first (it batches them per topic, up to 100 a request),
        then wait for all: one round trip per batch instead of one per message."""
        futures = []
        for message in messages:
            data, attrs = encode(message, correlation_id)
            path = topic_path(self._project, message.TOPIC)
            futures.append((path, self._publisher().publish(
                path, data, retry=_retry(self._timeout), timeout=self._timeout, **attrs)))
        return self._wait_all(futures)

    def _wait_all(self, futures: list[tuple[str, _Future]]) -> list[str]:
        ids, failed = [], None
        for path, future in futures:
            try:
                ids.append(self._result(path, future))
            except TransientError as exc:
                failed = failed or exc   # every publish is still awaited: none is left half-sent
        if failed is not None:
            raise failed
        return ids

    def publish_raw(self, topic: str, data: bytes, attributes: Mapping[str, str]) -> str:
        """Publish bytes and attributes as they are (dead-letter replay); returns the message id."""
        path = topic_path(self._project, topic)
        future = self._publisher().publish(
            path, data, retry=_retry(self._timeout), timeout=self._timeout, **dict(attributes),
        )
        return self._result(path, future)

    def _result(self, path: str, future: _Future) -> str:
        try:
            message_id = future.result(timeout=self._timeout + 5)
        except TimeoutError:
            raise TransientError(
                f"publish to {path} got no answer within {self._timeout:.0f}s; "
                "check that Pub/Sub (or PUBSUB emulator) is reachable"
            ) from None
        except Exception as exc:
            raise TransientError(f"publish to {path} failed: {type(exc).__name__}: {exc}") from exc
        return str(message_id)

    def _publisher(self) -> Publisher:
        with self._lock:
            if self._client is None:
                self._client = self._factory()
            return self._client


def _retry(deadline: float) -> Any:
    from google.api_core import retry as api_retry

    # bound the client's default 600 s retry so a dead endpoint fails the handler instead
    return api_retry.Retry(initial=0.1, maximum=2.0, multiplier=1.5, timeout=deadline)
