"""In-process bus with Pub/Sub's delivery semantics, for the demo and tests.

At least once; redelivery on failure with (virtual) exponential backoff; dead letter after
max_attempts with the payload intact; on demand every message delivered twice, and handlers
run concurrently by several workers.
"""
from __future__ import annotations

import heapq
import itertools
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from ..domain.at_rest import at_rest
from ..domain.messages import Message, encode
from ..ports import Registry
from ..runtime.delivery import Consumer, Delivery, Outcome, deliver

KEEP_PUBLISHED = 5_000   # published messages kept for inspection by default
KEEP_BYTES = 8 << 20     # ... and at most this much of their encoded bodies (webhook events are ~20 KB each)


@dataclass
class BusStats:
    published: int = 0
    delivered: int = 0
    acked: int = 0
    rejected: int = 0
    retried: int = 0
    dead_lettered: int = 0
    deferred: int = 0       # redelivered later at the time the handler asked (Deferred), not retried
    by_topic: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class InProcessBus:
    def __init__(
        self, *, registry: Registry | None = None, max_attempts: int = 5, duplicate: bool = False,
        workers: int = 1, progress: Callable[[BusStats], None] | None = None, keep: int | None = KEEP_PUBLISHED,
        keep_bytes: int | None = KEEP_BYTES,
    ) -> None:
        self._registry = registry
        self._max_attempts = max_attempts
        self._duplicate = duplicate
        self._workers = workers
        self._progress = progress
        self._subs: dict[str, list[Consumer]] = defaultdict(list)
        self._queue: deque[tuple[Consumer, Delivery]] = deque()
        self._later: list[tuple[float, int, Consumer, Delivery]] = []   # deferred: (due, seq, ...)
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.stats = BusStats()
        self.published: list[Message] = []   # the newest `keep` messages (None: all); stats count every one
        self._keep = keep
        self._keep_bytes = keep_bytes if keep is not None else None
        self._sizes: deque[int] = deque()      # encoded size of each kept message, oldest first
        self._kept_bytes = 0

    def subscribe(self, consumer: Consumer) -> None:
        self._subs[consumer.topic].append(consumer)

    def publish(self, message: Message, *, correlation_id: str = "") -> str:
        data, attrs = encode(message, correlation_id or uuid.uuid4().hex)
        return self.publish_raw(message.TOPIC, data, attrs, message=message)

    def publish_many(self, messages: Sequence[Message], *, correlation_id: str = "") -> list[str]:
        return [self.publish(m, correlation_id=correlation_id) for m in messages]

    def publish_raw(self, topic: str, data: bytes, attrs: dict[str, str], *, message: Message | None = None) -> str:
        message_id = str(next(self._ids))
        copies = 2 if self._duplicate else 1
        with self._lock:
            self.stats.published += 1
            self.stats.by_topic[topic] += 1
            if message is not None:
                self._remember(message, len(data))
            for consumer in self._subs.get(topic, []):
                for _ in range(copies):
                    self._queue.append((consumer, Delivery(data, attrs, message_id)))
        return message_id

    def _remember(self, message: Message, size: int) -> None:
        """Keep `message` for inspection within the count and byte bounds; trimmed in steps (a slice
        delete per tenth of the bound), so memory stays flat on long runs. Called under the lock."""
        self.published.append(message)
        if self._keep is None:
            return
        self._sizes.append(size)
        self._kept_bytes += size
        limit_bytes = self._keep_bytes if self._keep_bytes is not None else float("inf")
        if len(self.published) <= self._keep + self._keep // 10 and self._kept_bytes <= limit_bytes * 1.1:
            return
        drop = 0
        while self._sizes and (len(self._sizes) > self._keep or self._kept_bytes > limit_bytes):
            self._kept_bytes -= self._sizes.popleft()
            drop += 1
        del self.published[:drop]

    def drain(self, *, progress: Callable[[BusStats], None] | None = None) -> BusStats:
        """Deliver until nothing is left (including retries). Returns the running stats.
        `progress`, when given, replaces the constructor's callback for this drain only."""
        saved = self._progress
        self._progress = progress or saved
        try:
            self._drain()
        finally:
            self._progress = saved
        return self.stats

    def _drain(self) -> None:
        if self._workers <= 1:
            while self._step():
                pass
        else:
            with ThreadPoolExecutor(self._workers) as pool:
                while True:
                    batch = self._take(self._workers * 4)
                    if not batch:
                        break
                    list(pool.map(self._run, batch))

    def _take(self, n: int) -> list[tuple[Consumer, Delivery]]:
        """Up to n deliveries; when only deferred ones are left, sleep until the first is due."""
        while True:
            with self._lock:
                now = time.time()
                while self._later and self._later[0][0] <= now:
                    _, _, consumer, delivery = heapq.heappop(self._later)
                    self._queue.append((consumer, delivery))
                if self._queue or not self._later:
                    return [self._queue.popleft() for _ in range(min(n, len(self._queue)))]
                due = self._later[0][0]
            time.sleep(max(0.0, due - time.time()))

    def _step(self) -> bool:
        batch = self._take(1)
        for item in batch:
            self._run(item)
        return bool(batch)

    def _run(self, item: tuple[Consumer, Delivery]) -> None:
        consumer, delivery = item
        deferred: list[float] = []
        outcome = deliver(consumer, delivery, registry=self._registry, on_defer=deferred.append)
        with self._lock:
            self.stats.delivered += 1
            if outcome is Outcome.RETRY and deferred:
                # the handler said when: redeliver then, and a wait is not a failed attempt
                self.stats.deferred += 1
                heapq.heappush(self._later, (deferred[0], next(self._seq), consumer, delivery))
            elif outcome is Outcome.ACK:
                self.stats.acked += 1
            elif outcome is Outcome.REJECTED:
                self.stats.rejected += 1
            elif delivery.attempt >= self._max_attempts:
                self.stats.dead_lettered += 1
                self._dead_letter(consumer, delivery)
            else:
                # virtual backoff: the retry goes to the back of the queue
                self.stats.retried += 1
                self._queue.append((consumer, replace(delivery, attempt=delivery.attempt + 1)))
        if self._progress is not None:
            self._progress(self.stats)

    def _dead_letter(self, consumer: Consumer, delivery: Delivery) -> None:
        if self._registry is not None:
            data, attributes = at_rest(delivery.data, delivery.attributes)   # never a token at rest
            self._registry.add_dead_letter(
                consumer.name, delivery.attributes.get("type", "?"), data,
                attributes, f"gave up after {delivery.attempt} attempts",
                delivery.attempt,
            )
