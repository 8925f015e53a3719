"""Re-make subset.json from @octokit/openapi (MIT, see LICENSE): the response schemas of the
endpoints skillfleet calls, with the components they reference, as plain JSON Schema
(OpenAPI 3.0 `nullable` turned into a "null" type).

    npm pack @octokit/openapi && tar xzf octokit-openapi-*.tgz
    python tests/data/github_openapi/extract.py package/generated/api.github.com.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ENDPOINTS = [
    ("get", "/repos/{owner}/{repo}", "200"),
    ("get", "/repos/{owner}/{repo}/pulls", "200"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}", "200"),
    ("post", "/repos/{owner}/{repo}/pulls", "201"),
    ("put", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "200"),
    ("post", "/repos/{owner}/{repo}/git/refs", "201"),
    ("get", "/repos/{owner}/{repo}/git/ref/{ref}", "200"),
    ("get", "/repos/{owner}/{repo}/git/commits/{commit_sha}", "200"),
    ("get", "/repos/{owner}/{repo}/git/trees/{tree_sha}", "200"),
    ("get", "/repos/{owner}/{repo}/git/blobs/{file_sha}", "200"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}", "200"),
    ("get", "/repos/{owner}/{repo}/compare/{basehead}", "200"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels", "200"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "201"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "200"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/check-suites", "200"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/check-runs", "200"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/status", "200"),
    ("get", "/orgs/{org}/installation", "200"),
    ("post", "/app/installations/{installation_id}/access_tokens", "201"),
    ("get", "/rate_limit", "200"),
]


def _plain(node: Any) -> Any:
    if isinstance(node, list):
        return [_plain(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _plain(v) for k, v in node.items() if k not in ("nullable", "example", "examples", "description")}
    if node.get("nullable"):
        if "$ref" in out or "allOf" in out or "anyOf" in out or "oneOf" in out:
            return {"anyOf": [out, {"type": "null"}]}
        kind = out.get("type")
        out["type"] = [kind, "null"] if isinstance(kind, str) else kind
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for v in node.values():
            _refs(v, found)
    elif isinstance(node, list):
        for v in node:
            _refs(v, found)


def main(source: str) -> None:
    spec = json.loads(Path(source).read_text())
    responses = {}
    for method, path, status in ENDPOINTS:
        resp = spec["paths"][path][method]["responses"][status]
        if "$ref" in resp:
            resp = spec["components"]["responses"][resp["$ref"].rsplit("/", 1)[1]]
        responses[f"{method.upper()} {path} {status}"] = resp["content"]["application/json"]["schema"]
    names: set[str] = set()
    _refs(responses, names)
    todo = set(names)
    while todo:
        more: set[str] = set()
        _refs(spec["components"]["schemas"][todo.pop()], more)
        todo |= more - names
        names |= more
    subset = {"source": f"@octokit/openapi {spec['info'].get('version', '')} api.github.com.json",
              "responses": _plain(responses),
              "components": {"schemas": {n: _plain(spec["components"]["schemas"][n]) for n in sorted(names)}}}
    out = Path(__file__).with_name("subset.json")
    out.write_text(json.dumps(subset, separators=(",", ":"), sort_keys=True))
    print(f"{out}: {len(responses)} responses, {len(names)} schemas, {out.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main(sys.argv[1])
