"""tag-received: a release tag in the skills repo becomes an immutable, validated release."""
from __future__ import annotations

import re
from collections.abc import Callable

from ..domain.changelog import commit_scope
from ..domain.errors import PermanentError, SignatureError
from ..domain.messages import SkillReleased, SkillTagPushed
from ..domain.model import Release
from ..domain.severity import Assessment, assess
from ..domain.versioning import ReleaseTag, Version
from ..ports import BlobStore, Bus, Forge, Registry
from .bundles import build_bundle, store_bundle

_SKILL_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")   # a full git sha (SHA-1 or SHA-256 repository)
VerifyToken = Callable[[str, str, str], None]   # (token, tag, sha) -> None or raises SignatureError


def handle(
    msg: SkillTagPushed, *, registry: Registry, forge: Forge, blobs: BlobStore, bus: Bus,
    skills_repo: str, verify_token: VerifyToken | None,
) -> None:
    tag = ReleaseTag.parse(msg.tag)
    if msg.repository != skills_repo:
        raise PermanentError(f"tag event from {msg.repository!r}, but the skills repository is {skills_repo!r}")
    if verify_token is not None:
        _authenticate(msg, tag, registry, verify_token)
    release = registry.get_release(tag.skill, str(tag.version)) or _record(msg, tag, registry, forge, blobs)
    # always (re)announce: a crash after recording must not lose the fan-out; fan-out is idempotent
    bus.publish(SkillReleased(
        release_id=release.id or 0, skill=release.skill, version=release.version,
        previous_version=release.previous_version, severity=release.severity, reasons=release.reasons,
        changelog=release.changelog, bundle_uri=release.bundle_uri, bundle_sha256=release.bundle_sha256,
    ), correlation_id=str(tag))


def _authenticate(msg: SkillTagPushed, tag: ReleaseTag, registry: Registry, verify: VerifyToken) -> None:
    """Check the Actions OIDC token. GitHub's tokens live 5 minutes and a retry may come later, so a
    tag+sha that passed once is remembered: its redelivery is accepted after the token expired."""
    if msg.oidc_token is None:
        raise PermanentError("tag event carries no GitHub OIDC token; publish it from the skills workflow")
    if not _COMMIT.fullmatch(msg.sha):
        raise PermanentError(f"tag event carries no commit sha (got {msg.sha[:80]!r}); the OIDC token is checked "
                             "against the tagged commit: publish the event with the tag's full sha ($GITHUB_SHA)")
    key = f"{msg.repository}:{tag}@{msg.sha}"
    try:
        verify(msg.oidc_token.get_secret_value(), str(tag), msg.sha)
    except SignatureError:
        if registry.first_time("verified-tag", key):
            registry.forget("verified-tag", key)
            raise
        return
    registry.first_time("verified-tag", key)


def _record(msg: SkillTagPushed, tag: ReleaseTag, registry: Registry, forge: Forge, blobs: BlobStore) -> Release:
    sha = forge.resolve_ref(msg.repository, str(tag))
    if msg.sha and sha != msg.sha:
        raise PermanentError(f"tag {tag} points at {sha}, but the event says {msg.sha}: the tag was moved; "
                             "release tags are immutable, publish a new version instead")
    files = forge.read_tree(msg.repository, sha, prefix=f"{tag.skill}/")
    uri, bundle_sha256 = store_bundle(build_bundle(files, tag), blobs)
    previous = _previous_version(tag, registry)
    changes = files.get("CHANGELOG.md", b"").decode("utf-8", "replace")
    found = _assess(tag, previous, msg, forge, changes, sha)
    release, _ = registry.record_release(Release(
        skill=tag.skill, version=str(tag.version), previous_version=str(previous) if previous else None,
        severity=found.severity, tag=str(tag), commit_sha=sha, bundle_uri=uri, bundle_sha256=bundle_sha256,
        changelog=found.changelog.to_markdown(), reasons=tuple(found.reasons), breaking=found.breaking,
    ))
    return release


def _previous_version(tag: ReleaseTag, registry: Registry) -> Version | None:
    known = [Version.parse(s.version) for s in registry.service_skills(skill=tag.skill)]
    latest = registry.latest_release(tag.skill)
    if latest is not None:
        known.append(Version.parse(latest.version))
    older = [v for v in known if v < tag.version]
    return max(older) if older else None


def _assess(
    tag: ReleaseTag, previous: Version | None, msg: SkillTagPushed, forge: Forge, changes_text: str, sha: str,
) -> Assessment:
    """Severity from this skill's own history: the commits between its previous tag and this one that
    touch its folder, minus those scoped to another skill, and its CHANGELOG sections in between."""
    messages: list[str] = []
    if previous is not None:
        try:
            messages = forge.commit_messages(msg.repository, f"{tag.skill}-v{previous}", str(tag), path=tag.skill)
        except PermanentError:
            messages = []   # the previous tag is gone: judge by the version bump and markers alone
    return assess(str(previous) if previous else None, str(tag.version), messages, changes_text,
                  foreign_scopes=_other_skills(forge, msg.repository, sha, tag.skill, messages))


def _other_skills(forge: Forge, repo: str, sha: str, skill: str, messages: list[str]) -> set[str]:
    """Commit scopes that name another skill of the repo (a folder with a SKILL.md at this tag)."""
    scopes = {s for m in messages if (s := commit_scope(m.strip().split("\n", 1)[0])) and s != skill}
    named = sorted(s for s in scopes if _SKILL_NAME.fullmatch(s))
    if not named:
        return set()
    found = forge.read_files(repo, [f"{s}/SKILL.md" for s in named], ref=sha)
    return {s for s in named if found.get(f"{s}/SKILL.md") is not None}
