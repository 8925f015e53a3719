"""Slack that says what to do: one message per release and event kind (per team for a team's own
PRs), never one per repo, each with its links (the PRs, the dashboard).

Every message goes through the outbox under a registry key: `Sender.send` records it (once per key,
so a redelivered sweep posts nothing twice) and flushes it right away. A failed send stays pending
with a growing not_before and is kept by the `Sender`: the caller finishes its other work, then
`raise_failures()` makes the delivery fail; its redelivery retries the send, and every sla-sweep run
sends what is due (`outbox.flush_digests`): an outage delays a message, never drops it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..domain.errors import PermanentError, TransientError
from ..domain.model import Release, RolloutItem, RolloutState, Severity
from ..domain.rollout_control import RolloutControl, RolloutPhase
from ..outbox import flush_digests
from ..ports import Digest, Notifier, Registry

_ACTIVE = (RolloutPhase.RUNNING, RolloutPhase.PAUSED)
_OPEN = (RolloutState.PR_OPEN, RolloutState.CONFLICT)


@dataclass(frozen=True)
class Where:
    """Where messages point and go beyond the default channel (from settings)."""

    dashboard_url: str | None = None
    security_channel: str | None = None


@dataclass
class Sender:
    registry: Registry
    notifier: Notifier | None
    where: Where = Where()
    failed: list[Exception] = field(default_factory=list)
    _teams: dict[str, str] | None = None
    _channels: dict[str, str] | None = None

    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def send(self, key: str, digest: Digest) -> bool:
        """Record once per key (True when new), then send what is pending under it. A failure stays in the
        outbox and is kept here (see raise_failures), never lost."""
        if self.notifier is None:
            return False
        new = self.registry.enqueue_digest(f"digest:{key}", digest)
        failures = flush_digests(self.registry, self.notifier, now=self.now(), key=f"digest:{key}")
        self.failed += failures
        return new

    def add_entries(self, group: str, entries: list[tuple[str, Digest]]) -> None:
        """Record each entry once per key under `group`, to go out in one digest (send_collected)."""
        if self.notifier is not None and entries:
            self.registry.enqueue_digest_entries(group, entries)

    def send_collected(self, group: str, key: str, build: Callable[[list[Digest]], Digest]) -> bool:
        """One digest, `build` of every entry of `group` not yet sent in one, recorded under `key` and
        sent (a failure is kept like send's); False when nothing was waiting."""
        if self.notifier is None:
            return False
        used = self.registry.collect_digest(group, f"digest:{key}", build)
        if used is not None:
            self.failed += flush_digests(self.registry, self.notifier, now=self.now(), key=used)
        return used is not None

    def team_of(self) -> Callable[[str], str]:
        if self._teams is None:
            self._teams = {s.repo: s.team for s in self.registry.list_services(include_opted_out=True)}
        teams = self._teams
        return lambda repo: teams.get(repo, "unknown team")

    def raise_failures(self) -> None:
        """After the work: make the delivery fail when a message could not be sent, so it is retried."""
        if not self.failed:
            return
        first = self.failed[0]
        text = (f"{len(self.failed)} Slack message(s) not sent ({first}); the other work is done and "
                "the redelivery sends them")
        if all(isinstance(e, PermanentError) for e in self.failed):
            raise PermanentError(text)
        raise TransientError(text)


def dashboard_link(where: Where, release: Release) -> tuple[tuple[str, str], ...]:
    if not where.dashboard_url:
        return ()
    url = f"{where.dashboard_url.rstrip('/')}/?skill={release.skill}&version={release.version}"
    return (("adoption dashboard", url),)


LIST_CAP = 20   # repos named in one message; the rest are counted ("and N more")


def capped(rows: list[str], cap: int = LIST_CAP) -> tuple[str, ...]:
    """At most `cap` rows, then "and N more" (Slack stays readable for a fleet-wide event)."""
    return tuple(rows[:cap]) + ((f"and {len(rows) - cap} more",) if len(rows) > cap else ())


def pr_links(items: Iterable[RolloutItem]) -> tuple[tuple[str, str], ...]:
    return tuple((f"{i.repo} #{i.pr_number}", i.pr_url) for i in items if i.pr_url)


def wave_notices(sender: Sender, release: Release, items: list[RolloutItem], control: RolloutControl,
                 wave: int) -> None:
    """Once a wave's PRs exist: "N PRs opened", each owning team's conflicts, "wave N opened"."""
    if control.phase not in _ACTIVE:
        return
    in_wave = [i for i in items if i.wave == wave]
    opening = control.opened(wave) if wave > 0 else None
    if opening is not None:
        wave_opened(sender, release, wave, len(in_wave), by=opening.opened_by)
    if not any(i.state in _OPEN for i in in_wave) or any(i.state is RolloutState.REQUESTED for i in in_wave):
        return   # not every PR of the wave exists yet (or none is open: nothing to say)
    _prs_opened(sender, release, in_wave, wave)
    _conflicts(sender, release, [i for i in in_wave if i.state is RolloutState.CONFLICT], wave)


def wave_opened(sender: Sender, release: Release, wave: int, size: int, *, by: str) -> None:
    name = f"{release.skill}@{release.version}"
    sender.send(f"wave-opened:{name}:wave{wave}", Digest(
        title=f"{release.skill} v{release.version}: wave {wave} opened ({size} services)", kind="wave-opened",
        release=name, counts={"services": size},
        lines=(f"opened by {by}; each service gets its PR in the next minutes",
               f"follow it with `skillfleet rollout status {release.tag}`"),
        links=dashboard_link(sender.where, release)))


def _prs_opened(sender: Sender, release: Release, in_wave: list[RolloutItem], wave: int) -> None:
    name = f"{release.skill}@{release.version}"
    with_pr = [i for i in in_wave if i.pr_number is not None]
    conflicts = [i for i in with_pr if i.state is RolloutState.CONFLICT]
    failed = [i for i in in_wave if i.state is RolloutState.FAILED]
    lines = [f"{len(conflicts)} PR(s) have conflicts: their teams resolve them on the branch"] if conflicts else []
    if failed:
        lines.append(f"{len(failed)} service(s) failed: see `skillfleet status {release.skill} --repos --state failed`")
    sender.send(f"prs-opened:{name}:wave{wave}", Digest(
        title=f"{release.skill} v{release.version}: {len(with_pr)} PRs opened (wave {wave})", kind="prs-opened",
        release=name, lines=tuple(lines),
        counts={"clean": len(with_pr) - len(conflicts), "conflicts": len(conflicts), "failed": len(failed)},
        links=dashboard_link(sender.where, release) + pr_links(conflicts + [i for i in with_pr if i not in conflicts])))


def _conflicts(sender: Sender, release: Release, conflicts: list[RolloutItem], wave: int) -> None:
    name, team_of = f"{release.skill}@{release.version}", sender.team_of()
    for team, mine in _by_team(conflicts, team_of).items():
        sender.send(f"conflicts:{name}:wave{wave}:{team}", Digest(
            title=f"{team}: {len(mine)} skill PR(s) of {release.skill} v{release.version} need you (conflicts)",
            kind="conflicts", release=name, channel=_team_channel(sender, team), counts={"conflicts": len(mine)},
            lines=(("both your repository and the skill changed the same values: resolve them on the PR's "
                   "branch, then mark it ready for review"),),
            links=pr_links(mine)))


def escalations(sender: Sender, release: Release, escalated: list[RolloutItem], day: str) -> None:
    """Past twice the merge SLA: the owning teams, and for a security release the security channel."""
    if not escalated:
        return
    name, team_of = f"{release.skill}@{release.version}", sender.team_of()
    for team, mine in _by_team(escalated, team_of).items():
        sender.send(f"escalated:{name}:{team}:{day}", Digest(
            title=f"{team}: {len(mine)} skill PR(s) of {release.skill} v{release.version} are past twice their SLA",
            kind="escalated", release=name, channel=_team_channel(sender, team), counts={"escalated": len(mine)},
            lines=("review and merge them, or close each with a comment giving the reason",),
            links=pr_links(mine)))
    if release.severity is Severity.SECURITY and sender.where.security_channel:
        teams = sorted({team_of(i.repo) for i in escalated})
        sender.send(f"escalated-security:{name}:{day}", Digest(
            title=f"Security release {release.skill} v{release.version}: {len(escalated)} PR(s) past twice their SLA",
            kind="escalated", release=name, channel=sender.where.security_channel,
            counts={"escalated": len(escalated), "teams": len(teams)}, lines=(f"teams: {', '.join(teams)}",),
            links=dashboard_link(sender.where, release) + pr_links(escalated)))


def finished(sender: Sender, release: Release, items: list[RolloutItem]) -> None:
    name = f"{release.skill}@{release.version}"
    count = {s.value: sum(1 for i in items if i.state is s) for s in RolloutState}
    sender.send(f"finished:{name}", Digest(
        title=f"{release.skill} v{release.version}: rollout finished", kind="rollout-finished", release=name,
        counts={k: v for k, v in count.items() if v}, links=dashboard_link(sender.where, release),
        lines=((f"every wave is open and every service settled: {count['merged']} merged, "
               f"{count['rejected']} rejected"),)))


def _by_team(items: Iterable[RolloutItem], team_of: Callable[[str], str]) -> dict[str, list[RolloutItem]]:
    out: dict[str, list[RolloutItem]] = defaultdict(list)
    for item in items:
        out[team_of(item.repo)].append(item)
    return dict(sorted(out.items()))


def _team_channel(sender: Sender, team: str) -> str | None:
    if sender._channels is None:
        sender._channels = sender.registry.team_channels()
    return sender._channels.get(team)
