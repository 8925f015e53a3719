"""FakeRegistry's rollout control (mirrors adapters/registry/control.py): phases, waves opened
exactly once, pilots, yanks, merge commits and post-merge CI; every change audited."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from skillfleet.domain.errors import UserError
from skillfleet.domain.model import RolloutItem
from skillfleet.domain.rollout_control import RolloutControl, RolloutPhase, WaveOpening, check_phase


def _state(reg: Any) -> dict[str, Any]:
    state: dict[str, Any] = reg.__dict__.setdefault("_control", {"phase": {}, "waves": {}})
    return state


def _name(reg: Any, release_id: int) -> str:
    release = reg.releases.get(release_id)
    if release is None:
        raise UserError(f"no release with id {release_id} in the registry")
    return f"{release.skill}@{release.version}"


def rollout_control(reg: Any, release_id: int) -> RolloutControl:
    phase, reason = _state(reg)["phase"].get(release_id, (RolloutPhase.RUNNING, None))
    waves = sorted((w for (r, _), w in _state(reg)["waves"].items() if r == release_id), key=lambda w: w.wave)
    return RolloutControl(release_id=release_id, phase=phase, reason=reason, waves=tuple(waves))


def set_rollout_phase(reg: Any, release_id: int, phase: RolloutPhase, *, actor: str, reason: str | None) -> bool:
    with reg._lock:
        name = _name(reg, release_id)
        current = _state(reg)["phase"].get(release_id, (RolloutPhase.RUNNING, None))[0]
        if not check_phase(current, phase, name):
            return False
        _state(reg)["phase"][release_id] = (phase, reason)
        reg.audit("rollout.phase", name, {"from": current.value, "to": phase.value, "by": actor, "reason": reason})
        return True


def open_wave(reg: Any, release_id: int, wave: int, *, at: datetime | None, actor: str, reason: str | None,
              verdict: Mapping[str, Any] | None) -> bool:
    with reg._lock:
        name, waves = _name(reg, release_id), _state(reg)["waves"]
        if (release_id, wave) in waves:
            return False
        waves[(release_id, wave)] = WaveOpening(wave=wave, opened_at=at or reg.clock(), opened_by=actor,
                                                reason=reason)
        reg.audit("rollout.wave_opened", name, {"wave": wave, "by": actor, "reason": reason, "at": at.isoformat() if at else None,
                                                "verdict": dict(verdict or {})})
        return True


def set_service_pilot(reg: Any, repo: str, pilot: bool) -> None:
    with reg._lock:
        if repo not in reg.services:
            raise UserError(f"no service {repo} in the registry; add it with `skillfleet services import`")
        reg.services[repo] = reg.services[repo].model_copy(update={"pilot": pilot})


def yank_release(reg: Any, release_id: int, *, actor: str, reason: str | None) -> bool:
    with reg._lock:
        name, release = _name(reg, release_id), reg.releases[release_id]
        if release.yanked:
            return False
        reg.releases[release_id] = release.model_copy(update={"yanked": True})
        reg.audit("release.yanked", name, {"by": actor, "reason": reason})
        return True


def record_merge_commit(reg: Any, release_id: int, repo: str, sha: str) -> None:
    item = reg.items.get((release_id, repo))
    if item is not None:
        item.merge_sha = sha


def record_post_merge_ci(reg: Any, repo: str, sha: str, conclusion: str) -> RolloutItem | None:
    with reg._lock:
        found = [i for i in reg.items.values() if i.repo == repo and i.merge_sha == sha]
        for item in found:
            item.ci_conclusion = conclusion
            reg.audit("rollout.post_merge_ci", repo, {"release_id": item.release_id, "sha": sha,
                                                      "conclusion": conclusion})
        return found[0].record() if found else None
