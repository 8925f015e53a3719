"""Build, store and load immutable skill bundles."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from ..domain.errors import PermanentError, UserError
from ..domain.model import Release
from ..domain.policy import Policy, release_policy
from ..domain.skill.bundle import Bundle
from ..domain.skill.manifest import parse_skill_md
from ..domain.versioning import ReleaseTag
from ..ports import BlobStore, Forge, Registry


def build_bundle(files: dict[str, bytes], tag: ReleaseTag) -> Bundle:
    """Validate a skill folder read at a tag and freeze it as a bundle."""
    if "SKILL.md" not in files:
        raise UserError(f"skill {tag.skill!r} has no SKILL.md at tag {tag}; add {tag.skill}/SKILL.md and re-tag")
    _validate(files, tag)
    manifest = parse_skill_md(files["SKILL.md"].decode("utf-8", "replace"), where=f"{tag.skill}/SKILL.md")
    if manifest.name != tag.skill or manifest.version != str(tag.version):
        raise UserError(
            f"tag {tag} does not match {tag.skill}/SKILL.md (name {manifest.name!r}, version "
            f"{manifest.version}); bump the version in SKILL.md and tag that commit"
        )
    return Bundle.build(manifest, files)


def _validate(files: dict[str, bytes], tag: ReleaseTag) -> None:
    from ..skills.validate import validate_skill_files  # detect-secrets: only where a bundle is built
    report = validate_skill_files(files, {}, expected_name=tag.skill, expected_version=str(tag.version))
    if report.errors:
        raise UserError(f"skill {tag} is invalid: " + "; ".join(str(e) for e in report.errors))


def store_bundle(bundle: Bundle, blobs: BlobStore) -> tuple[str, str]:
    ref = blobs.put(f"bundles/{bundle.skill}/{bundle.version}.json", bundle.to_bytes())
    return ref.uri, ref.sha256


_CACHE_SIZE = 16
_cache: OrderedDict[tuple[str, str], Bundle] = OrderedDict()
_cache_lock = threading.Lock()


def load_bundle(release: Release, blobs: BlobStore) -> Bundle:
    """A release's bundle. Bundles are write-once and named by content hash, so the few a process uses
    are kept parsed: every generate-pr of a release reads the same two, not the blob store each time."""
    return _cached(release.bundle_uri, release.bundle_sha256, blobs)


def _cached(uri: str, sha256: str, blobs: BlobStore) -> Bundle:
    key = (uri, sha256)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    bundle = Bundle.from_bytes(blobs.get(*key))   # verified against the sha256 on the way
    with _cache_lock:
        _cache[key] = bundle
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return bundle


def policy_of(release: Release, blobs: BlobStore) -> Policy:
    """The release policy with the skill's own overrides (its manifest's `severity_matrix`)."""
    return release_policy(release, load_bundle(release, blobs).manifest.severity_matrix)


def bundle_for_version(
    skill: str, version: str, *, registry: Registry, blobs: BlobStore, forge: Forge, skills_repo: str,
) -> Bundle | None:
    """The bundle of any earlier version: from the registry; else, for a version published before
    skillfleet tracked it, rebuilt once from its tag and kept in the blob store by content hash (where,
    in the audit log), so the next PR reads it from there, not the skills repo. None when not found."""
    release = registry.get_release(skill, version)
    if release is not None:
        return load_bundle(release, blobs)
    subject = f"bundle:{skill}@{version}"
    for kept in registry.audit_log(subject=subject, limit=1):
        return _cached(kept["detail"]["uri"], kept["detail"]["sha256"], blobs)
    tag = ReleaseTag.parse(f"{skill}-v{version}")
    try:
        files = forge.read_tree(skills_repo, str(tag), prefix=f"{skill}/")
    except PermanentError:
        return None
    if not files:
        return None
    bundle = build_bundle(files, tag)
    data = bundle.to_bytes()
    ref = blobs.put(f"bundles/{skill}/rebuilt/{hashlib.sha256(data).hexdigest()}.json", data)
    registry.audit("bundle-rebuilt", subject, {"uri": ref.uri, "sha256": ref.sha256, "tag": str(tag)})
    return bundle
