"""Skills waiting in `staging/<name>/` of a skills-repo checkout, their age and their SLA.

Staged time (documented in docs/skill-format.md): the committer time of the last commit that
touched the folder when the folder is tracked by git and has no local changes (so a fresh clone
in CI measures the real age); otherwise the newest modification time of any file in it (work not
committed yet is as old as its latest edit). Either way an edit restarts the clock: the SLA
measures how long the current content has waited for promotion.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..domain.durations import format_duration
from ..domain.errors import UserError
from ..domain.skill.manifest import ManifestError, SkillManifest, override_expired, parse_skill_md
from . import gitops

STAGING = "staging"
DEFAULT_SLA = timedelta(hours=48)


@dataclass(frozen=True)
class StagedSkill:
    name: str                         # the folder name
    path: Path
    manifest: SkillManifest | None
    problem: str | None               # why SKILL.md could not be read
    staged_at: datetime
    staged_from: str                  # git | mtime

    @property
    def version(self) -> str | None:
        return self.manifest.version if self.manifest else None


@dataclass(frozen=True)
class SlaStatus:
    skill: StagedSkill
    age: timedelta
    sla: timedelta
    override: str                     # none | honoured | expired
    notes: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        return self.age > self.sla

    @property
    def overdue(self) -> timedelta:
        return max(self.age - self.sla, timedelta(0))

    def describe(self) -> str:
        age, sla = format_age(self.age), format_duration(self.sla)
        where = f"staged {age} ago ({self.skill.staged_from} time), SLA {sla}"
        if self.override == "honoured":
            where += " (sla_override)"
        return f"{where}: STALE, {format_age(self.overdue)} over" if self.stale else f"{where}: within SLA"


def staging_dir(root: Path) -> Path:
    return root / STAGING


def list_staged(root: Path) -> list[StagedSkill]:
    """Every folder under staging/, sorted by name; unreadable manifests are reported, not fatal."""
    base = staging_dir(root)
    if not base.is_dir():
        raise UserError(f"{root} has no {STAGING}/ folder; pass --root with the skills-repo checkout "
                        f"(it holds {STAGING}/<name>/ and the production <name>/ folders)")
    return [read_staged(p) for p in sorted(base.iterdir()) if p.is_dir() and not p.is_symlink()]


def read_staged(folder: Path) -> StagedSkill:
    manifest, problem = None, None
    skill_md = folder / "SKILL.md"
    try:
        manifest = parse_skill_md(skill_md.read_text(encoding="utf-8"), where=f"{folder.name}/SKILL.md")
    except FileNotFoundError:
        problem = "no SKILL.md"
    except (ManifestError, UnicodeDecodeError, OSError) as exc:
        problem = str(exc)
    staged_at, source = staged_time(folder)
    return StagedSkill(folder.name, folder, manifest, problem, staged_at, source)


def staged_time(folder: Path) -> tuple[datetime, str]:
    committed = gitops.last_commit_time(folder)
    if committed is not None:
        return committed, "git"
    newest = max((p.lstat().st_mtime for p in folder.rglob("*")), default=folder.lstat().st_mtime)
    return datetime.fromtimestamp(newest, UTC), "mtime"


def sla_status(skill: StagedSkill, now: datetime, default: timedelta = DEFAULT_SLA) -> SlaStatus:
    """Age against the SLA, honouring sla_override until sla_override_expires."""
    age = max(now - skill.staged_at, timedelta(0))
    m = skill.manifest
    if m is None or m.sla_override is None:
        return SlaStatus(skill, age, default, "none")
    reason = f"sla_override {format_duration(m.sla_override)}: {m.sla_override_reason}"
    if m.sla_override_expires is not None and override_expired(m.sla_override_expires, now):
        note = (f"sla_override expired on {m.sla_override_expires} and is ignored; the {format_duration(default)} "
                "SLA applies: promote the skill or extend sla_override_expires")
        return SlaStatus(skill, age, default, "expired", (note,))
    until = f" (until {m.sla_override_expires})" if m.sla_override_expires else ""
    return SlaStatus(skill, age, m.sla_override, "honoured", (reason + until,))


def check_stale(root: Path, now: datetime, default: timedelta = DEFAULT_SLA) -> list[SlaStatus]:
    return [sla_status(skill, now, default) for skill in list_staged(root)]


def format_age(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h"
    return f"{hours}h{mins:02d}m" if hours else f"{mins}m"
