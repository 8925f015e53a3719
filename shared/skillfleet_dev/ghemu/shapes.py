"""JSON shapes of repositories, users, labels and git objects, as GitHub's REST API returns them."""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from .gitstore import CommitInfo, Entry, Person
from .state import Label, Repo, User, node_id

Json = dict[str, Any]

_REPO_URLS = (
    ("forks_url", "/forks"), ("keys_url", "/keys{/key_id}"),
    ("collaborators_url", "/collaborators{/collaborator}"), ("teams_url", "/teams"), ("hooks_url", "/hooks"),
    ("issue_events_url", "/issues/events{/number}"), ("events_url", "/events"),
    ("assignees_url", "/assignees{/user}"), ("branches_url", "/branches{/branch}"), ("tags_url", "/tags"),
    ("blobs_url", "/git/blobs{/sha}"), ("git_tags_url", "/git/tags{/sha}"), ("git_refs_url", "/git/refs{/sha}"),
    ("trees_url", "/git/trees{/sha}"), ("statuses_url", "/statuses/{sha}"), ("languages_url", "/languages"),
    ("stargazers_url", "/stargazers"), ("contributors_url", "/contributors"),
    ("subscribers_url", "/subscribers"), ("subscription_url", "/subscription"),
    ("commits_url", "/commits{/sha}"), ("git_commits_url", "/git/commits{/sha}"),
    ("comments_url", "/comments{/number}"), ("issue_comment_url", "/issues/comments{/number}"),
    ("contents_url", "/contents/{+path}"), ("compare_url", "/compare/{base}...{head}"),
    ("merges_url", "/merges"), ("archive_url", "/{archive_format}{/ref}"), ("downloads_url", "/downloads"),
    ("issues_url", "/issues{/number}"), ("pulls_url", "/pulls{/number}"),
    ("milestones_url", "/milestones{/number}"),
    ("notifications_url", "/notifications{?since,all,participating}"), ("labels_url", "/labels{/name}"),
    ("releases_url", "/releases{/id}"), ("deployments_url", "/deployments"),
)
_USER_URLS = (
    ("followers_url", "/followers"), ("following_url", "/following{/other_user}"),
    ("gists_url", "/gists{/gist_id}"), ("starred_url", "/starred{/owner}{/repo}"),
    ("subscriptions_url", "/subscriptions"), ("organizations_url", "/orgs"), ("repos_url", "/repos"),
    ("events_url", "/events{/privacy}"), ("received_events_url", "/received_events"),
)


class Shapes:
    def __init__(self, base_url: str, user: Callable[[str], User]) -> None:
        self.web = base_url
        self.api = f"{base_url}/api/v3"
        self._user = user

    def repo_api(self, repo: Repo) -> str:
        return f"{self.api}/repos/{repo.full_name}"

    def user(self, login: str | None) -> Json | None:
        if login is None:
            return None
        u = self._user(login)
        url = f"{self.api}/users/{u.login}"
        shape: Json = {"login": u.login, "id": u.id, "node_id": node_id("User", u.id),
                       "avatar_url": f"{self.web}/avatars/u/{u.id}", "gravatar_id": "", "url": url,
                       "html_url": f"{self.web}/{u.login}"}
        shape.update({k: url + suffix for k, suffix in _USER_URLS})
        shape.update({"type": u.type, "site_admin": False})
        return shape

    def team(self, org: str, slug: str) -> Json:
        ident = self._user(f"{org}/{slug}").id
        url = f"{self.api}/organizations/{org}/team/{ident}"
        return {"name": slug, "id": ident, "node_id": node_id("Team", ident), "slug": slug, "description": "",
                "privacy": "closed", "notification_setting": "notifications_enabled", "url": url,
                "html_url": f"{self.web}/orgs/{org}/teams/{slug}", "members_url": url + "/members{/member}",
                "repositories_url": url + "/repos", "permission": "push", "parent": None}

    def repo(self, repo: Repo) -> Json:
        api = self.repo_api(repo)
        html = f"{self.web}/{repo.full_name}"
        open_count = sum(1 for p in repo.pulls.values() if p.state == "open")
        shape: Json = {"id": repo.id, "node_id": node_id("Repository", repo.id), "name": repo.name,
                       "full_name": repo.full_name, "private": repo.private, "owner": self.user(repo.owner),
                       "html_url": html, "description": repo.description, "fork": False, "url": api}
        shape.update({k: api + suffix for k, suffix in _REPO_URLS})
        shape.update({
            "created_at": repo.created_at, "updated_at": repo.updated_at or repo.created_at,
            "pushed_at": repo.pushed_at or repo.created_at, "git_url": f"git://{html.split('://', 1)[-1]}.git",
            "ssh_url": f"git@emulator:{repo.full_name}.git", "clone_url": f"{html}.git", "svn_url": html,
            "homepage": None, "size": 0, "stargazers_count": 0, "watchers_count": 0, "language": None,
            "has_issues": True, "has_projects": False, "has_downloads": True, "has_wiki": False,
            "has_pages": False, "has_discussions": False, "forks_count": 0, "mirror_url": None,
            "archived": False, "disabled": False, "open_issues_count": open_count, "license": None,
            "allow_forking": True, "is_template": False, "web_commit_signoff_required": False, "topics": [],
            "visibility": "private" if repo.private else "public", "forks": 0, "open_issues": open_count,
            "watchers": 0, "default_branch": repo.default_branch, "custom_properties": {},
            "allow_auto_merge": repo.allow_auto_merge, "allow_merge_commit": repo.allow_merge_commit,
            "allow_squash_merge": repo.allow_squash_merge, "allow_rebase_merge": repo.allow_rebase_merge,
            "delete_branch_on_merge": repo.delete_branch_on_merge,
            "permissions": {"admin": True, "maintain": True, "push": True, "triage": True, "pull": True},
        })
        return shape

    def label(self, repo: Repo, label: Label) -> Json:
        return {"id": label.id, "node_id": node_id("Label", label.id),
                "url": f"{self.repo_api(repo)}/labels/{label.name}", "name": label.name,
                "color": label.color, "default": False, "description": label.description}

    def ref(self, repo: Repo, ref: str, sha: str, kind: str = "commit") -> Json:
        api = self.repo_api(repo)
        return {"ref": ref, "node_id": node_id("Ref", abs(hash((repo.id, ref))) % 10**9),
                "url": f"{api}/git/{ref}",
                "object": {"sha": sha, "type": kind, "url": f"{api}/git/{kind}s/{sha}"}}

    def git_commit(self, repo: Repo, c: CommitInfo) -> Json:
        api = self.repo_api(repo)
        return {"sha": c.sha, "node_id": node_id("Commit", int(c.sha[:8], 16)),
                "url": f"{api}/git/commits/{c.sha}", "html_url": f"{self.web}/{repo.full_name}/commit/{c.sha}",
                "author": person(c.author), "committer": person(c.committer), "message": c.message,
                "tree": {"sha": c.tree, "url": f"{api}/git/trees/{c.tree}"},
                "parents": [{"sha": p, "url": f"{api}/git/commits/{p}",
                             "html_url": f"{self.web}/{repo.full_name}/commit/{p}"} for p in c.parents],
                "verification": {"verified": False, "reason": "unsigned", "signature": None,
                                 "payload": None, "verified_at": None}}

    def tree_entry(self, repo: Repo, e: Entry, path: str | None = None) -> Json:
        kind = {"blob": "blobs", "tree": "trees", "commit": "commits"}[e.type]
        shape: Json = {"path": path or e.path, "mode": e.mode, "type": e.type, "sha": e.sha}
        if e.size is not None:
            shape["size"] = e.size
        shape["url"] = f"{self.repo_api(repo)}/git/{kind}/{e.sha}"
        return shape

    def tree(self, repo: Repo, sha: str, entries: list[Entry]) -> Json:
        return {"sha": sha, "url": f"{self.repo_api(repo)}/git/trees/{sha}",
                "tree": [self.tree_entry(repo, e) for e in entries], "truncated": False}

    def blob(self, repo: Repo, sha: str, data: bytes) -> Json:
        return {"sha": sha, "node_id": node_id("Blob", int(sha[:8], 16)), "size": len(data),
                "url": f"{self.repo_api(repo)}/git/blobs/{sha}", "content": b64_lines(data),
                "encoding": "base64"}

    def content(self, repo: Repo, e: Entry, ref: str, data: bytes | None) -> Json:
        api = self.repo_api(repo)
        kind = "dir" if e.type == "tree" else ("submodule" if e.type == "commit" else "file")
        url = f"{api}/contents/{e.path}?ref={ref}"
        git_url = f"{api}/git/{'trees' if e.type == 'tree' else 'blobs'}/{e.sha}"
        html = f"{self.web}/{repo.full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{e.path}"
        shape: Json = {"type": kind, "size": e.size or 0, "name": e.path.rsplit("/", 1)[-1], "path": e.path,
                       "sha": e.sha, "url": url, "git_url": git_url, "html_url": html,
                       "download_url": None if kind == "dir" else f"{self.web}/raw/{repo.full_name}/{ref}/{e.path}",
                       "_links": {"self": url, "git": git_url, "html": html}}
        if data is not None:
            shape.update({"encoding": "base64", "content": b64_lines(data)})
        return shape

    def commit(self, repo: Repo, c: CommitInfo, files: list[Json] | None = None) -> Json:
        api = self.repo_api(repo)
        inner = self.git_commit(repo, c)
        shape: Json = {
            "sha": c.sha, "node_id": inner["node_id"],
            "commit": {"author": inner["author"], "committer": inner["committer"], "message": c.message,
                       "tree": inner["tree"], "url": inner["url"], "comment_count": 0,
                       "verification": inner["verification"]},
            "url": f"{api}/commits/{c.sha}", "html_url": inner["html_url"],
            "comments_url": f"{api}/commits/{c.sha}/comments", "author": None, "committer": None,
            "parents": [{"sha": p, "url": f"{api}/commits/{p}",
                         "html_url": f"{self.web}/{repo.full_name}/commit/{p}"} for p in c.parents],
        }
        if files is not None:
            adds, dels = sum(f["additions"] for f in files), sum(f["deletions"] for f in files)
            shape["stats"] = {"total": adds + dels, "additions": adds, "deletions": dels}
            shape["files"] = files
        return shape

    def tag(self, repo: Repo, name: str, sha: str) -> Json:
        api = self.repo_api(repo)
        return {"name": name, "commit": {"sha": sha, "url": f"{api}/commits/{sha}"},
                "zipball_url": f"{api}/zipball/refs/tags/{name}", "tarball_url": f"{api}/tarball/refs/tags/{name}",
                "node_id": node_id("Ref", abs(hash((repo.id, name))) % 10**9)}


def person(p: Person) -> Json:
    return {"name": p.name, "email": p.email, "date": github_date(p.date)}


def github_date(iso: str) -> str:
    """git's strict ISO date ("...+00:00") the way GitHub prints it ("...Z" when UTC)."""
    return iso[:-6] + "Z" if iso.endswith("+00:00") else iso


def b64_lines(data: bytes) -> str:
    raw = base64.b64encode(data).decode()
    return "\n".join(raw[i:i + 60] for i in range(0, len(raw), 60)) + ("\n" if raw else "")
