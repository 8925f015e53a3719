"""The one place GitHub failures become TransientError (retry) or PermanentError (don't)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import requests
from github import GithubException
from github.GithubException import RateLimitExceededException, UnknownObjectException

from ..domain.errors import PermanentError, TransientError


def message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    parts = [str(data.get("message", ""))]
    for err in data.get("errors") or []:
        parts.append(str(err.get("message", err)) if isinstance(err, dict) else str(err))
    return "; ".join(p for p in parts if p) or str(exc)


@contextmanager
def mapped(repo: str, doing: str) -> Iterator[None]:
    """The one place GitHub failures become TransientError (retry) or PermanentError (don't)."""
    try:
        yield
    except (PermanentError, TransientError):
        raise
    except RateLimitExceededException as exc:
        raise TransientError(f"{repo}: {doing}: GitHub rate limit hit ({message(exc)}); retry later") from exc
    except UnknownObjectException as exc:
        raise PermanentError(f"{repo}: {doing}: not found on GitHub (404); check the repository, branch or "
                             "ref name and that the token's installation can see the repository") from exc
    except GithubException as exc:
        raise classify(repo, doing, exc) from exc
    except (requests.RequestException, OSError) as exc:
        raise TransientError(f"{repo}: {doing}: cannot reach GitHub ({type(exc).__name__}); retry later") from exc


def classify(repo: str, doing: str, exc: GithubException) -> Exception:
    status = exc.status or 0
    text = f"{repo}: {doing}: GitHub answered {status}: {message(exc)}"
    if status >= 500 or status in (401, 409, 429):
        return TransientError(f"{text}; retry later")
    return PermanentError(f"{text}; this will fail again until the request or the repository changes")
