"""`skillfleet rollout status|pause|resume|advance|abort|rollback TAG`: steer a release's rollout."""
from __future__ import annotations

import argparse
import getpass
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ..domain.rollout_control import RolloutControl
from ..handlers import rollout_ops
from ..handlers.rollout_waves import WaveStep
from ..runtime.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("rollout", help="steer a release's rollout: status, pause, resume, advance, abort, rollback")
    s = p.add_subparsers(dest="rollout_command", metavar="ACTION", required=True)
    for name, helptext, func in (
        ("status", "each wave, its gate (met / waiting / failed, with the numbers), and every repo", _status),
        ("pause", "open nothing new until resumed (open PRs stay open)", _pause),
        ("resume", "run again: the gates are re-checked at once", _resume),
        ("advance", "open the next wave now despite its gate (needs --reason)", _advance),
        ("abort", "close every open PR of the release, delete its branches (needs --reason)", _abort),
        ("rollback", "yank the release: PRs back to the previous version, open PRs closed (needs --reason)",
         _rollback),
    ):
        cmd = s.add_parser(name, help=helptext)
        cmd.add_argument("tag", help="<skill>-v<MAJOR.MINOR.PATCH>, e.g. gcp-nodejs-cicd-v3.0.0")
        if name == "status":
            cmd.add_argument("--json", action="store_true", help="print JSON")
        else:
            cmd.add_argument("--reason", default="" if name in ("pause", "resume") else None,
                             required=name in ("advance", "abort", "rollback"), help="recorded in the audit log")
        cmd.set_defaults(func=func)


def render(view: rollout_ops.RolloutView, blocked: Mapping[str, str] | None = None) -> str:
    """The text of `rollout status` (the demo prints it too); `blocked`: repo -> why its branch is left alone."""
    r, c = view.release, view.control
    lines = [f"{r.skill} v{r.version} ({r.severity.value}, {view.policy.rollout.value}): {c.phase.value}"
             + (f": {c.reason}" if c.reason else "")]
    for w in view.waves:
        opened = f"opened {w.opened.opened_at:%Y-%m-%d %H:%M} by {w.opened.opened_by}" if w.opened else "not opened"
        lines.append(f"wave {w.wave} ({w.name}, {len(w.items)} services): {opened}; gate {w.verdict.status.value}"
                     f" ({w.verdict.merged} merged, {w.verdict.rejected} rejected, {w.verdict.conflict} conflict"
                     f"{f', {w.verdict.ci_failed} post-merge CI failed' if w.verdict.ci_failed else ''})"
                     + (f": {'; '.join(w.verdict.reasons)}" if w.verdict.reasons else ""))
        for i in w.items:
            pr = f"#{i.pr_number}" if i.pr_number else "-"
            lines.append(f"    {i.repo:<36}{i.state.value:<12}{pr:<7}{_age(view.now, i.updated_at)}"
                         + (f"  blocked: {blocked[i.repo]}" if blocked and i.repo in blocked else "")
                         + (f"  {view.rollbacks[i.repo]}" if i.repo in view.rollbacks else ""))
    return "\n".join(lines)


def as_json(view: rollout_ops.RolloutView) -> dict[str, Any]:
    return {
        "release": view.release.tag, "phase": view.control.phase.value, "reason": view.control.reason,
        "strategy": view.policy.rollout.value,
        "waves": [{
            "wave": w.wave, "name": w.name, "opened_at": w.opened.opened_at.isoformat() if w.opened else None,
            "opened_by": w.opened.opened_by if w.opened else None, "gate": w.verdict.model_dump(mode="json"),
            "repos": [{"repo": i.repo, "state": i.state.value, "pr": i.pr_number, "pr_url": i.pr_url,
                       "rollback": view.rollbacks.get(i.repo),
                       "age_seconds": int((view.now - i.updated_at).total_seconds()) if i.updated_at else None}
                      for i in w.items],
        } for w in view.waves],
    }


def _age(now: datetime, then: datetime | None) -> str:
    if then is None:
        return ""
    hours = max(timedelta(0), now - then).total_seconds() / 3600
    return f"{hours / 24:.1f}d" if hours >= 48 else f"{hours:.0f}h"


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def _status(args: argparse.Namespace) -> int:
    from ..bootstrap import bootstrap
    app = bootstrap(args.settings())
    release = rollout_ops.find_release(app.registry, args.tag)
    now, ahead = _view_time(datetime.now(UTC), app.registry.rollout_control(release.id or 0))
    view = rollout_ops.status(release, registry=app.registry, blobs=app.blobs, now=now)
    blocked = app.registry.blocked_items(view.release.id or 0)
    print(json.dumps(as_json(view), indent=2) if args.json else render(view, blocked))
    if ahead and not args.json:
        print(f"(the registry records events up to {now:%Y-%m-%d %H:%M} UTC, after this machine's clock: "
              "the demo's days, or a clock skew; ages and gates are shown as of then)")
    return 0


def _view_time(wall: datetime, control: RolloutControl) -> tuple[datetime, bool]:
    """A read-only view's "now": the wall clock, or the newest wave opening when that is later (the
    demo's clock runs days ahead; a skewed clock), so no age is negative and no soak runs backwards."""
    latest = max((w.opened_at for w in control.waves), default=wall)
    return (latest, True) if latest > wall else (wall, False)


def _pause(args: argparse.Namespace) -> int:
    from ..adapters.registry import connect_registry
    registry = connect_registry(args.settings())
    release = rollout_ops.find_release(registry, args.tag)
    changed = rollout_ops.pause(release, registry=registry, actor=_actor(), reason=args.reason or None)
    print(f"{args.tag}: {'paused' if changed else 'already paused'}; nothing new opens until "
          f"`skillfleet rollout resume {args.tag}`")
    return 0


def _with_chain(settings: Settings, act: Callable[[Any], WaveStep]) -> WaveStep:
    """Run `act(app)`; messages it publishes go to Pub/Sub when deployed, else through the local chain."""
    from ..bootstrap import bootstrap, local
    if settings.bus == "pubsub":
        return act(bootstrap(settings))
    chain = local(settings)
    step = act(chain.app)
    chain.drain()
    return step


def _resume(args: argparse.Namespace) -> int:
    settings: Settings = args.settings()
    step = _with_chain(settings, lambda app: rollout_ops.resume(
        rollout_ops.find_release(app.registry, args.tag), registry=app.registry, blobs=app.blobs, bus=app.bus,
        notifier=app.notifier, actor=_actor(), now=datetime.now(UTC)))
    print(_step_text(args.tag, step))
    return 0


def _advance(args: argparse.Namespace) -> int:
    settings: Settings = args.settings()
    step = _with_chain(settings, lambda app: rollout_ops.advance(
        rollout_ops.find_release(app.registry, args.tag), registry=app.registry, bus=app.bus, actor=_actor(),
        reason=args.reason, now=datetime.now(UTC)))
    print(_step_text(args.tag, step))
    return 0


def _abort(args: argparse.Namespace) -> int:
    from ..bootstrap import bootstrap
    app = bootstrap(args.settings())
    closed = rollout_ops.abort(rollout_ops.find_release(app.registry, args.tag), registry=app.registry,
                               forge=app.forge, actor=_actor(), reason=args.reason)
    print(f"{args.tag}: aborted; {closed} open PR(s) closed with a comment, skill branches deleted")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from ..bootstrap import bootstrap
    from ..handlers.rollback import rollback
    app = bootstrap(args.settings())
    done = rollback(rollout_ops.find_release(app.registry, args.tag), registry=app.registry, forge=app.forge,
                    blobs=app.blobs, skills_repo=app.settings.skills_repo, actor=_actor(), reason=args.reason)
    print(f"{args.tag}: yanked (never proposed again); {done.closed} open PR(s) closed; "
          f"{len(done.reverted)} PR(s) back to the previous version; {len(done.skipped)} service(s) had moved on"
          + (f"; {len(done.no_previous)} service(s) stay on it: no earlier version to go back to, release a fix"
             if done.no_previous else ""))
    for url in done.reverted:
        print(f"    {url}")
    return 0


def _step_text(tag: str, step: WaveStep) -> str:
    if step.opened is not None:
        return f"{tag}: wave {step.opened} opened ({step.size} services get their PR)"
    if step.paused and step.verdict is not None:
        return f"{tag}: paused again, the gate still fails: {step.verdict.summary}"
    if step.verdict is not None:
        return f"{tag}: running; {step.verdict.summary}"
    return f"{tag}: running; nothing to open"
