"""drift-scan: compare every service's managed files with what its recorded skill version renders.

For each service using a skill (or the one skill the message names): read `.skills-metadata.json`
and the managed files from the default branch, re-render the recorded version's bundle for the
repo, and compare. YAML and JSON compare as data (comments and formatting are not drift) with the
manifest's service-owned paths left out; other files compare exactly. One audit entry and one
digest per skill and scan. With `remediate`, services behind the latest release get an
UpdateRepo for it; nothing else is changed (a 3-way merge keeps a repo's own edits, so an update
does not reset drift in paths the service does not own: that stays a finding for people).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..domain import yamlsafe
from ..domain.apply import METADATA_PATH, read_metadata, recorded_version, render
from ..domain.errors import PermanentError
from ..domain.merge import Item, Path, format_path, matches_owned
from ..domain.merge.identity import identity_keys
from ..domain.messages import ScanDrift, UpdateRepo
from ..domain.model import RolloutState, Service, ServiceSkill
from ..domain.skill.bundle import Bundle
from ..domain.skill.manifest import ManagedFile
from ..domain.versioning import Version
from ..ports import BlobStore, Bus, Digest, Forge, Notifier, Registry
from .bundles import bundle_for_version

_DIGEST_LINES = 40


@dataclass(frozen=True)
class Finding:
    repo: str
    file: str
    paths: tuple[str, ...]

    def line(self) -> str:
        shown = ", ".join(self.paths[:5]) + (f" (+{len(self.paths) - 5} more)" if len(self.paths) > 5 else "")
        return f"{self.repo}: {self.file}: {shown}"


# --- pure comparison ---------------------------------------------------------------------------
def file_drift(expected: str, actual: str | None, spec: ManagedFile) -> list[str]:
    """Where `actual` differs from the rendered `expected`, outside the service-owned paths."""
    if actual is None:
        return ["(file missing)"]
    if spec.strategy not in ("yaml", "json"):
        return [] if actual == expected else ["(content differs)"]
    try:
        want, have = _parse(expected, spec), _parse(actual, spec)
    except (PermanentError, ValueError) as exc:
        return [f"(cannot compare: {exc})"]
    return diff_paths(want, have, spec.owned)


def _parse(text: str, spec: ManagedFile) -> Any:
    if spec.strategy == "json":
        return json.loads(text)
    return yamlsafe.load(text, where=spec.destination)


def diff_paths(expected: Any, actual: Any, owned: Sequence[str], path: Path = ()) -> list[str]:
    """Paths (merge-engine notation) where two plain data trees differ; owned paths are skipped."""
    if owned and matches_owned(path, owned):
        return []
    if isinstance(expected, dict) and isinstance(actual, dict):
        pairs = {k: (expected.get(k, _GONE), actual.get(k, _GONE)) for k in [*expected, *actual]}
        return _children([((*path, str(k)), e, a) for k, (e, a) in pairs.items()], owned)
    if isinstance(expected, list) and isinstance(actual, list):
        return _children(_pair_elements(expected, actual, path), owned)
    same = type(expected) is type(actual) and expected == actual
    return [] if same else [format_path(path) or "(document)"]


_GONE: Any = object()


def _children(pairs: list[tuple[Path, Any, Any]], owned: Sequence[str]) -> list[str]:
    out: list[str] = []
    for sub, want, have in pairs:
        if want is not _GONE and have is not _GONE:
            out += diff_paths(want, have, owned, sub)
        elif not (owned and matches_owned(sub, owned)):
            out += _one_sided(sub, want, have, owned)
    return out


def _one_sided(path: Path, want: Any, have: Any, owned: Sequence[str]) -> list[str]:
    """A value only one side has: a container is looked into (it may hold only owned paths)."""
    whole = [f"{format_path(path)} ({'added' if want is _GONE else 'removed'})"]
    present = have if want is _GONE else want
    if not isinstance(present, (dict, list)) or not present:
        return whole
    old, new = (type(present)(), have) if want is _GONE else (want, type(present)())
    inside = diff_paths(old, new, owned, path)
    return whole if inside == diff_paths(old, new, (), path) else inside   # nothing owned inside: one line


def _pair_elements(expected: list[Any], actual: list[Any], path: Path) -> list[tuple[Path, Any, Any]]:
    """List elements paired by identity (Cloud Build steps by `id`), the rest by position."""
    parent = next((s for s in reversed(path) if isinstance(s, str)), None)
    keys = identity_keys(parent)
    want, have = _elements(expected, keys), _elements(actual, keys)
    out: list[tuple[Path, Any, Any]] = []
    for token in [*want, *(t for t in have if t not in want)]:
        w, h = want.get(token), have.get(token)
        item = (h or w or (Item(-1), None))[0]
        out.append(((*path, item), w[1] if w else _GONE, h[1] if h else _GONE))
    return out


def _elements(items: list[Any], keys: tuple[str, ...]) -> dict[tuple[str, ...], tuple[Item, Any]]:
    ids = [_identity(x, keys) for x in items]
    out: dict[tuple[str, ...], tuple[Item, Any]] = {}
    anon = 0
    for index, (value, ident) in enumerate(zip(items, ids)):
        fields = tuple((str(k), str(v)) for k, v in value.items()
                       if isinstance(v, (str, int, float, bool))) if isinstance(value, dict) else ()
        if ident is not None and ids.count(ident) == 1:
            out[("id", *ident)] = (Item(index, ident[0], fields), value)
        else:
            out[("at", str(anon))] = (Item(index, None, fields), value)
            anon += 1
    return out


def _identity(value: Any, keys: tuple[str, ...]) -> tuple[str, str] | None:
    if not isinstance(value, dict):
        return None
    key = next((k for k in keys if isinstance(value.get(k), (str, int)) and not isinstance(value.get(k), bool)),
               None)
    return (key, str(value[key])) if key else None


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
    current = forge.read_files(repo, [f.destination for f in specs], ref=ref)
    for spec in specs:
        paths = file_drift(render(recorded.text(spec.source), service), current.get(spec.destination), spec)
        if paths:
            out.append(Finding(repo, spec.destination, tuple(paths)))
    return out


def _report(msg: ScanDrift, skill: str, scanned: int, findings: list[Finding], *, registry: Registry,
            notifier: Notifier | None) -> None:
    drifted = len({f.repo for f in findings})
    registry.audit("drift.scan", skill, {
        "requested_at": msg.requested_at.isoformat(), "scanned": scanned, "drifted": drifted,
        "findings": [{"repo": f.repo, "file": f.file, "paths": list(f.paths)} for f in findings]})
    key = f"drift:{skill}:{msg.requested_at.isoformat()}"
    if notifier is None or not findings or not registry.first_time("digest", key):
        return
    try:
        notifier.send_digest(Digest(
            title=f"{skill}: drift in {drifted} of {scanned} services", kind="drift", release=skill,
            counts={"scanned": scanned, "drifted": drifted, "findings": len(findings)},
            lines=tuple(f.line() for f in findings[:_DIGEST_LINES])))
    except BaseException:
        registry.forget("digest", key)
        raise


def _remediate(skill: str, entries: list[ServiceSkill], drifted: set[str], *, registry: Registry,
               bus: Bus) -> None:
    latest = registry.latest_release(skill)
    if latest is None or latest.id is None:
        return
    behind = [e.repo for e in entries
              if e.repo in drifted and Version.parse(e.version) < Version.parse(latest.version)]
    for repo in behind:
        item, _ = registry.ensure_rollout_item(latest.id, repo)
        if item.state is RolloutState.REQUESTED:
            bus.publish(UpdateRepo(release_id=latest.id, skill=skill, version=latest.version, repo=repo,
                                   wave=item.wave), correlation_id=f"drift:{latest.tag}")
