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
from ..ports import BlobStore, Bus, Forge, Registry, ReleaseSource
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
    previous = _previous_version(tag, registry)
    source = forge.read_release(msg.repository, str(tag), tag.skill,   # the skills repo, read once a release
                                f"{tag.skill}-v{previous}" if previous is not None else None)
    sha, files = source.sha, source.files
    if msg.sha and sha != msg.sha:
        raise PermanentError(f"tag {tag} points at {sha}, but the event says {msg.sha}: the tag was moved; "
                             "release tags are immutable, publish a new version instead")
    uri, bundle_sha256 = store_bundle(build_bundle(files, tag), blobs)
    changes = files.get("CHANGELOG.md", b"").decode("utf-8", "replace")
    found = _assess(tag, previous, source, changes)
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


def _assess(tag: ReleaseTag, previous: Version | None, source: ReleaseSource, changes_text: str) -> Assessment:
    """Severity from this skill's own history: the commits between its previous tag and this one that
    touch its folder, minus those scoped to another skill, and its CHANGELOG sections in between.
    The previous tag gone (no messages): judged by the version bump and markers alone."""
    messages = list(source.commit_messages or ()) if previous is not None else []
    return assess(str(previous) if previous else None, str(tag.version), messages, changes_text,
                  foreign_scopes=_other_skills(source.skills, tag.skill, messages))


def _other_skills(skills: frozenset[str], skill: str, messages: list[str]) -> set[str]:
    """Commit scopes that name another skill of the repo (a folder with a SKILL.md at this tag)."""
    scopes = {s for m in messages if (s := commit_scope(m.strip().split("\n", 1)[0])) and s != skill}
    return {s for s in scopes if _SKILL_NAME.fullmatch(s) and s in skills}
