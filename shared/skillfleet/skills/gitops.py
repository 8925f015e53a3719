"""The few git operations promotion needs, through the git CLI (real git, no library)."""
from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from ..domain.errors import UserError


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], check=False, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UserError(f"could not run git ({exc}); install git or drop --git-commit") from None
    if check and done.returncode != 0:
        raise UserError(f"git {' '.join(args[:2])} failed in {cwd}: {done.stderr.strip() or done.stdout.strip()}")
    return done


def toplevel(path: Path) -> Path | None:
    """The root of the git work tree holding `path`, or None outside one."""
    try:
        done = git(path, "rev-parse", "--show-toplevel", check=False)
    except UserError:
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def last_commit_time(folder: Path) -> datetime | None:
    """Commit time of the last commit touching `folder`, when it is tracked and has no local changes."""
    if toplevel(folder) is None:
        return None
    if git(folder, "status", "--porcelain", "--untracked-files=all", "--", ".", check=False).stdout.strip():
        return None
    stamp = git(folder, "log", "-1", "--format=%ct", "--", ".", check=False).stdout.strip()
    return datetime.fromtimestamp(int(stamp), UTC) if stamp.isdigit() else None


def is_tracked(repo: Path, rel: str) -> bool:
    return bool(git(repo, "ls-files", "--", rel, check=False).stdout.strip())


def commit_paths(repo: Path, paths: list[str], message: str) -> str:
    """Stage exactly `paths` (additions and removals) and commit only them; returns the sha."""
    git(repo, "add", "-A", "--", *paths)
    git(repo, "commit", "-q", "-m", message, "--", *paths)
    return git(repo, "rev-parse", "HEAD").stdout.strip()


def user_email(repo: Path) -> str:
    try:
        return git(repo, "config", "user.email", check=False).stdout.strip()
    except UserError:
        return ""
