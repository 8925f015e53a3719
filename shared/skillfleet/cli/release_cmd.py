"""`skillfleet release TAG`: run the chain in-process against the configured forge and registry."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from .. import reporting
from ..adapters.bus_memory import BusStats
from ..domain.errors import UserError
from ..domain.messages import SkillTagPushed, Topic
from ..domain.versioning import ReleaseTag
from ..runtime.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("release", help="release TAG now, in this process (tag-received -> ... -> PRs)",
                       description="Runs tag-received, fan-out-repos and generate-pr in-process with an "
                                   "in-memory bus, behind the same doors as the deployed functions: when "
                                   "settings require OIDC (SKILLFLEET_REQUIRE_OIDC, the default), the tag "
                                   "needs the skills workflow's GitHub Actions OIDC token.")
    p.add_argument("tag", help="<skill>-v<MAJOR.MINOR.PATCH>, e.g. gcp-nodejs-cicd-v2.1.0")
    p.add_argument("--oidc-token-file", type=Path, metavar="PATH",
                   help="file holding the GitHub Actions OIDC token minted for TAG (needed when settings "
                        "require OIDC)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ..bootstrap import local

    tag = ReleaseTag.parse(args.tag)          # a malformed tag fails here, before any I/O
    settings: Settings = args.settings()
    if settings.github_token is None:
        raise UserError("no GitHub token: set SKILLFLEET_GITHUB_TOKEN (and SKILLFLEET_GITHUB_URL for GitHub "
                        "Enterprise or the emulator) so skillfleet can read the skills repo and open PRs")
    token = _oidc_token(args.oidc_token_file, settings)
    chain = local(settings)
    registry = chain.app.registry
    sha = chain.app.forge.resolve_ref(settings.skills_repo, str(tag))
    chain.bus.publish(SkillTagPushed(repository=settings.skills_repo, tag=str(tag), sha=sha, actor="cli",
                                     oidc_token=token))
    progress = Progress.on(sys.stdout)
    stats = chain.drain(progress=progress)
    if progress is not None:
        progress.close()
    print(f"delivered {stats.delivered} messages: {stats.acked} ok, {stats.rejected} rejected, "
          f"{stats.dead_lettered} dead-lettered")
    if registry.get_release(tag.skill, str(tag.version)) is None:
        print("the release was not recorded; see the errors above and `skillfleet dlq list`")
        return 1
    print(reporting.adoption_table(registry.adoption(tag.skill, str(tag.version))))
    return 0 if not stats.dead_lettered and not stats.rejected else 1


def _oidc_token(path: Path | None, settings: Settings) -> SecretStr | None:
    """The tag's OIDC token, read before any I/O; refused up front when settings require one."""
    if path is None:
        if settings.require_oidc:
            raise UserError("settings require an OIDC token for release tags (SKILLFLEET_REQUIRE_OIDC is true): "
                            "pass --oidc-token-file PATH with the skills workflow's GitHub Actions token for "
                            "this tag, or set SKILLFLEET_REQUIRE_OIDC=false for a local release")
        return None
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise UserError(f"--oidc-token-file {path}: cannot read it ({exc.strerror}); pass the file that "
                        "holds the tag's OIDC token") from None
    if not text:
        raise UserError(f"--oidc-token-file {path} is empty; it must hold the tag's OIDC token")
    return SecretStr(text)


class Progress:
    """"PRs opened: 10/50" on a terminal while the chain runs (stdout that is not a TTY gets nothing)."""

    def __init__(self, out: TextIO, every: float = 0.2) -> None:
        self.out, self.every, self.shown, self.latest, self.at = out, every, "", "", 0.0

    @classmethod
    def on(cls, out: TextIO) -> Progress | None:
        isatty = getattr(out, "isatty", None)
        return cls(out) if isatty is not None and isatty() else None

    def __call__(self, stats: BusStats) -> None:
        requested = stats.by_topic.get(Topic.REPO_UPDATE_REQUESTED, 0)   # 0 until fan-out ran
        line = (f"PRs opened: {stats.by_topic.get(Topic.PR_OPENED, 0)}/{requested}"
                f" ({stats.delivered} messages delivered, {stats.dead_lettered} dead-lettered)")
        self.latest = line
        if line != self.shown and time.monotonic() - self.at >= self.every:
            self._show(line)

    def _show(self, line: str) -> None:
        self.out.write(f"\r{line}")
        self.out.flush()
        self.shown, self.at = line, time.monotonic()

    def close(self) -> None:
        """The last count, then a new line for what is printed next."""
        if self.latest != self.shown:
            self._show(self.latest)
        if self.shown:
            self.out.write("\n")
            self.out.flush()
