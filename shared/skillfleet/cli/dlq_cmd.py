"""`skillfleet dlq list` and `skillfleet dlq replay ID...|--all`: the dead letters, and bringing them back.

The registry is the durable list. With the Pub/Sub bus, both commands first move whatever sits on
the dead-letter pull subscriptions into it (stored, then acked); entries the error policy parked
for permanent errors are there already. Replay republishes the original bytes and attributes to
the original topic and marks the entry replayed, so replaying again publishes nothing.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ..adapters.dlq_pubsub import original_attributes
from ..bootstrap import local
from ..domain.errors import UserError
from ..domain.messages import MESSAGE_TYPES
from ..ports import DeadLetter, Registry
from ..runtime.functions import FUNCTIONS
from ..runtime.settings import Settings
from .output import add_json_flag, print_json

if TYPE_CHECKING:
    from ..infra.topology import Topology


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("dlq", help="dead letters: list them, replay them once the cause is fixed")
    dlq = p.add_subparsers(dest="dlq_command", metavar="ACTION", required=True)
    ls = dlq.add_parser("list", help="messages that failed for good: id, where, type, attempts, age, error")
    ls.add_argument("--all", action="store_true", help="include entries already replayed")
    add_json_flag(ls)
    ls.set_defaults(func=_list)
    rp = dlq.add_parser("replay", help="republish dead letters to their original topic (once each)")
    rp.add_argument("ids", nargs="*", type=int, metavar="ID", help="dead-letter ids from `dlq list`")
    rp.add_argument("--all", action="store_true", help="replay every entry not yet replayed")
    rp.set_defaults(func=_replay)


def _list(args: argparse.Namespace) -> int:
    settings = args.settings()
    registry = _registry(settings)
    with contextlib.redirect_stdout(sys.stderr if args.json else sys.stdout):   # stdout: the JSON only
        _collect(settings, registry)
    letters = registry.list_dead_letters(include_replayed=args.all)
    if args.json:
        print_json([_letter(d) for d in letters])
        return 0
    if not letters:
        print("no dead letters")
        return 0
    print(_table(letters, datetime.now(UTC)))
    return 0


def _replay(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.all):
        raise UserError("name the dead letters to replay (IDs from `skillfleet dlq list`) or pass --all")
    settings = args.settings()
    registry = _registry(settings)
    _collect(settings, registry)
    chosen = _choose(registry, args.ids)
    todo = [d for d in chosen if d.replayed_at is None]
    for d in chosen:
        if d.replayed_at is not None:
            print(f"dead letter {d.id} was already replayed at {d.replayed_at:%Y-%m-%d %H:%M:%S}; not published again")
    if not todo:
        return 0
    # locally the chain runs here, now, behind the same doors (tag verifier) as the deployed functions
    chain = None if settings.bus == "pubsub" else local(settings, registry=registry)
    publish = _pubsub_publisher(settings) if chain is None else chain.bus.publish_raw
    topics = _topics()
    failed = [d.id for d in todo if not _replay_one(d, topics, publish, registry)]
    if chain is not None:
        stats = chain.drain()
        print(f"delivered {stats.delivered} message(s): {stats.acked} ok, {stats.rejected} rejected, "
              f"{stats.dead_lettered} dead-lettered again")
    if failed:
        print(f"skillfleet: {len(failed)} of {len(todo)} dead letter(s) could not be replayed "
              f"({', '.join(map(str, failed))}); see the reasons above", file=sys.stderr)
        return 1
    return 0


def _replay_one(d: DeadLetter, topics: dict[str, str], publish: Publish, registry: Registry) -> bool:
    """Publish one dead letter; a letter that cannot be routed or published is reported, and the
    others are still replayed (the command exits non-zero at the end)."""
    try:
        topic = topic_of(d, topics)
        message_id = publish(topic, d.data, original_attributes(d.attributes))
    except Exception as exc:  # noqa: BLE001 - reported per letter; the rest are still replayed
        reason = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        print(f"could not replay dead letter {d.id} ({d.message_type}): {reason}", file=sys.stderr)
        return False
    registry.mark_dead_letter_replayed(d.id)
    print(f"replayed dead letter {d.id} ({d.message_type}) to {topic} as message {message_id}")
    return True


Publish = Callable[[str, bytes, dict[str, str]], str]


def _pubsub_publisher(settings: Settings) -> Publish:
    from ..adapters.bus_pubsub import PubSubBus

    return PubSubBus(settings.gcp_project, emulator_host=settings.pubsub_emulator_host).publish_raw


def _registry(settings: Settings) -> Registry:
    from ..adapters.registry import connect_registry

    return connect_registry(settings)


def _collect(settings: Settings, registry: Registry) -> None:
    if settings.bus != "pubsub":
        return
    from ..adapters.dlq_pubsub import PubSubDeadLetters, make_subscriber_factory

    inbox = PubSubDeadLetters(settings.gcp_project,
                              subscriber_factory=make_subscriber_factory(settings.pubsub_emulator_host))
    keepers = [d.keep_subscription for d in _topology().dead_letter_topics]
    for got in inbox.collect(keepers, registry):
        if got.stored:
            print(f"moved {got.stored} dead letter(s) from {got.subscription} into the registry")


def _topology() -> Topology:
    from ..infra import loader

    return loader.load(loader.topology_path())


def _topics() -> dict[str, str]:
    """subscription or function name -> the topic it reads, where that is unambiguous."""
    topics = {s.name: s.topic for s in _topology().subscriptions}
    topics.update({f.name: f.consumes[0] for f in FUNCTIONS if len(f.consumes) == 1})
    return topics


def _choose(registry: Registry, ids: list[int]) -> list[DeadLetter]:
    every = registry.list_dead_letters(include_replayed=True)
    if not ids:
        return [d for d in every if d.replayed_at is None]
    by_id = {d.id: d for d in every}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise UserError(f"no dead letter with id {', '.join(map(str, missing))}; see `skillfleet dlq list --all`")
    return [by_id[i] for i in ids]


def topic_of(letter: DeadLetter, topics: dict[str, str]) -> str:
    if letter.subscription in topics:
        return topics[letter.subscription]
    cls = MESSAGE_TYPES.get(letter.message_type)
    if cls is not None:
        return cls.TOPIC
    raise UserError(f"dead letter {letter.id}: cannot tell its topic (subscription {letter.subscription!r}, "
                    f"type {letter.message_type!r}); publish it by hand if it is still wanted")


def _letter(d: DeadLetter) -> dict[str, object]:
    return {"id": d.id, "subscription": d.subscription, "message_type": d.message_type, "attempts": d.attempts,
            "error": d.error, "created_at": d.created_at.isoformat(),
            "replayed_at": d.replayed_at.isoformat() if d.replayed_at else None}


def _table(letters: list[DeadLetter], now: datetime) -> str:
    rows = [("ID", "WHERE", "TYPE", "ATTEMPTS", "AGE", "ERROR")]
    for d in letters:
        error = d.error if d.replayed_at is None else f"(replayed) {d.error}"
        rows.append((str(d.id), d.subscription, d.message_type, str(d.attempts), _age(now - d.created_at),
                     error if len(error) <= 90 else error[:87] + "..."))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r[:5], widths)) + "  " + r[5] for r in rows)


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
