"""drift-scan: compare every service's managed files with what its recorded skill version renders.

For each service using a skill (or the one skill the message names): read `.skills-metadata.json`
and the managed files from the default branch, re-render the recorded version's bundle for the
repo, and compare. YAML and JSON compare as data (comments and formatting are not drift) with the
manifest's service-owned paths left out; other files compare exactly. One audit entry and one
digest per skill and scan. With `remediate`, services behind the latest release get an
UpdateRepo for it; nothing else is changed (a 3-way merge keeps a repo's own edits, so an update
does not reset drift in paths the service does not own: that stays a finding for people).

The comparison is the domain's (`domain.merge.drift`: the merge's identity and owned-path rules);
this module fetches, reports and remediates.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from ..domain.apply import METADATA_PATH, read_metadata, recorded_version, render
from ..domain.errors import PermanentError
from ..domain.merge.drift import file_drift
from ..domain.messages import ScanDrift, UpdateRepo
from ..domain.model import RolloutState, Service, ServiceSkill
from ..domain.skill.bundle import Bundle
from ..domain.skill.manifest import ManagedFile
from ..domain.versioning import Version
from ..ports import BlobStore, Bus, Digest, Forge, Notifier, Registry
from ..runonce import once
from .bundles import bundle_for_version
from .release_history import proposable_release

_DIGEST_LINES = 40


@dataclass(frozen=True)
class Finding:
    repo: str
    file: str
    paths: tuple[str, ...]

    def line(self) -> str:
        shown = ", ".join(self.paths[:5]) + (f" (+{len(self.paths) - 5} more)" if len(self.paths) > 5 else "")
        return f"{self.repo}: {self.file}: {shown}"


# --- the scan ----------------------------------------------------------------------------------
def handle(msg: ScanDrift, *, registry: Registry, forge: Forge, blobs: BlobStore, bus: Bus,
           skills_repo: str, notifier: Notifier | None = None) -> None:
    skills = [msg.skill] if msg.skill else sorted({s.skill for s in registry.service_skills()})
    for skill in skills:
        entries = registry.service_skills(skill=skill)
        findings = scan_skill(skill, entries, registry=registry, forge=forge, blobs=blobs, skills_repo=skills_repo)
        _report(msg, skill, len(entries), findings, registry=registry, notifier=notifier)
        if msg.remediate and findings:
            _remediate(skill, entries, {f.repo for f in findings}, registry=registry, bus=bus)


def scan_skill(skill: str, entries: list[ServiceSkill], *, registry: Registry, forge: Forge, blobs: BlobStore,
               skills_repo: str) -> list[Finding]:
    services = {s.repo: s for s in registry.list_services(skill=skill)}   # opted-out services are skipped
    bundles: dict[str, Bundle | None] = {}

    def bundle(version: str) -> Bundle | None:
        if version not in bundles:
            try:
                bundles[version] = bundle_for_version(skill, version, registry=registry, blobs=blobs, forge=forge,
                                                      skills_repo=skills_repo)
            except PermanentError:
                bundles[version] = None
        return bundles[version]

    findings: list[Finding] = []
    for entry in entries:
        service = services.get(entry.repo)
        if service is not None:
            try:
                findings += _scan_repo(service, entry, bundle, forge)
            except PermanentError as exc:   # one unreadable repo must not hide the others' drift
                findings.append(Finding(entry.repo, "(scan)", (f"not compared: {exc}",)))
    return findings


def _scan_repo(service: Service, entry: ServiceSkill, bundle: Callable[[str], Bundle | None],
               forge: Forge) -> list[Finding]:
    repo, ref = service.repo, service.default_branch
    version = recorded_version(read_metadata(forge.read_files(repo, [METADATA_PATH], ref=ref)[METADATA_PATH]),
                               entry.skill)
    if version is None:
        return [Finding(repo, METADATA_PATH, (f"records no version of {entry.skill}",))]
    out = [] if version == entry.version else [
        Finding(repo, METADATA_PATH, (f"records {entry.skill} {version}, the registry says {entry.version}",))]
    recorded = bundle(version)
    if recorded is None:
        return [*out, Finding(repo, METADATA_PATH, (f"no bundle of {entry.skill} v{version} to compare with",))]
    specs = recorded.manifest.files
    current = forge.read_contents(repo, [f.destination for f in specs], ref=ref)   # bytes for a binary file
    for spec in specs:
        paths = _drift(recorded, spec, current.get(spec.destination), service)
        if paths:
            out.append(Finding(repo, spec.destination, tuple(paths)))
    return out


def _drift(recorded: Bundle, spec: ManagedFile, ours: str | bytes | None, service: Service) -> list[str]:
    """Structural drift of a text file; a binary `strategy: replace` file drifts when its bytes differ."""
    theirs = recorded.content(spec.source)
    try:
        text = theirs.decode("utf-8")
    except UnicodeDecodeError:
        have = ours.encode("utf-8") if isinstance(ours, str) else ours
        return [] if have == theirs else ["missing" if ours is None else "content differs from the release"]
    if isinstance(ours, bytes):
        return ["a binary file where the skill manages text"]
    return file_drift(render(text, service), ours, spec)


def _report(msg: ScanDrift, skill: str, scanned: int, findings: list[Finding], *, registry: Registry,
            notifier: Notifier | None) -> None:
    drifted = len({f.repo for f in findings})
    registry.audit("drift.scan", skill, {
        "requested_at": msg.requested_at.isoformat(), "scanned": scanned, "drifted": drifted,
        "findings": [{"repo": f.repo, "file": f.file, "paths": list(f.paths)} for f in findings]})
    key = f"drift:{skill}:{msg.requested_at.isoformat()}"
    if notifier is None or not findings:
        return
    once(registry, "digest", key, partial(notifier.send_digest, Digest(
        title=f"{skill}: drift in {drifted} of {scanned} services", kind="drift", release=skill,
        counts={"scanned": scanned, "drifted": drifted, "findings": len(findings)},
        lines=tuple(f.line() for f in findings[:_DIGEST_LINES]))))


def _remediate(skill: str, entries: list[ServiceSkill], drifted: set[str], *, registry: Registry,
               bus: Bus) -> None:
    latest = proposable_release(registry, skill)
    if latest is None or latest.id is None:
        return
    declined = registry.ignored_repos(skill, latest.version)   # `/skills ignore` / `ignore-major`
    behind = [e.repo for e in entries if e.repo in drifted and e.repo not in declined
              and Version.parse(e.version) < Version.parse(latest.version)]
    for repo in behind:
        item, _ = registry.ensure_rollout_item(latest.id, repo)
        if item.state is RolloutState.REQUESTED:
            bus.publish(UpdateRepo(release_id=latest.id, skill=skill, version=latest.version, repo=repo,
                                   wave=item.wave), correlation_id=f"drift:{latest.tag}")
