"""Collect consecutive versions of real Cloud Build configs from mirrored public repositories.

    .venv/bin/python bench/real/collect.py [--per-file 6]

Reads the git mirrors the `fetch` tool made under /work/.mirror/<owner>+<name>/repo (FILES lists
what is taken), keeps the last N distinct versions of each file that parse and have `steps`, and
writes them, with their source repository, path, commit and licence, to HISTORY (data files of
public repositories stay in the shared data folder, beside the existing corpus; only this script
and the manifest bench/real/SOURCES.tsv live in the project).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent
MIRRORS = Path("/work/.mirror")
HISTORY = HERE.parent.parent.parent / "shared" / "corpus" / "cloudbuild-history"
FILES = {
    "GoogleCloudPlatform/cloud-build-samples": [
        "golang-sample/cloudbuild.yaml", "quickstart-automate/cloudbuild.yaml", "gradle-example/cloudbuild.yaml",
        "maven-example-noncontainer/cloudbuild.yaml", "python-example-flask/cloudbuild.yaml",
        "private-pool/cloudbuild.yaml", "maven-example/cloudbuild.yaml", "run-example-builddeploy/cloudbuild.yaml",
        "quickstart-deploy/cloudbuild.yaml", "quickstart-build/cloudbuild.yaml", "node-example-yarn/cloudbuild.yaml",
        "deploy-firebase-example/cloudbuild.yaml"],
    "GoogleCloudPlatform/microservices-demo": ["cloudbuild.yaml"],
    "GoogleCloudPlatform/django-demo-app-unicodex": ["experimental/cloudbuild.yaml", "cloudbuild_deploy.yaml",
                                                     ".cloudbuild/cloudbuild.yaml"],
    "GoogleContainerTools/kaniko": ["integration/benchmark_fs/cloudbuild.yaml"],
    "kubernetes-sigs/external-dns": ["cloudbuild.yaml"],
    "kubernetes-sigs/cluster-api": ["cloudbuild.yaml", "cloudbuild-nightly.yaml"],
    "GoogleCloudDataproc/spark-bigquery-connector": ["cloudbuild/cloudbuild.yaml"],
    "GoogleCloudDataproc/hadoop-connectors": ["cloudbuild/cloudbuild.yaml"],
    "datacommonsorg/datacommons": ["build/cloudbuild.yaml"],
}
_SAFE = YAML(typ="safe", pure=True)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False).stdout


def licence(repo: Path) -> str:
    for name in ("LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING"):
        head = " ".join(git(repo, "show", f"HEAD:{name}").split()[:12])
        if "Apache License" in head:
            return "Apache-2.0"
        if "MIT License" in head or "Permission is hereby granted" in head:
            return "MIT"
        if "BSD" in head:
            return "BSD"
    return ""


def usable(text: str) -> bool:
    try:
        data = _SAFE.load(text)
    except Exception:  # noqa: BLE001 - a version that does not parse is skipped
        return False
    return isinstance(data, dict) and isinstance(data.get("steps"), list) and len(data["steps"]) >= 1


def versions(repo: Path, path: str, limit: int) -> list[tuple[str, str]]:
    """(commit, text), oldest first: the last `limit` distinct usable versions."""
    out: list[tuple[str, str]] = []
    for commit in git(repo, "log", "--format=%H", "--", path).split():
        text = git(repo, "show", f"{commit}:{path}")
        if text and usable(text) and (not out or out[-1][1] != text):
            out.append((commit, text))
        if len(out) >= limit:
            break
    return out[::-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-file", type=int, default=6)
    args = parser.parse_args(argv)
    HISTORY.mkdir(parents=True, exist_ok=True)
    rows = ["repo\tpath\tversion\tcommit\tlicence\tsaved_name"]
    for name, paths in FILES.items():
        repo = MIRRORS / name.replace("/", "+") / "repo"
        kind = licence(repo)
        if not kind:
            print(f"skip {name}: no permissive licence found", file=sys.stderr)
            continue
        for path in paths:
            found = versions(repo, path, args.per_file)
            if len(found) < 2:
                continue
            for i, (commit, text) in enumerate(found):
                saved = f"{name.replace('/', '__')}__{path.replace('/', '__')}__v{i}.yaml"
                (HISTORY / saved).write_text(text, encoding="utf-8")
                rows.append(f"{name}\t{path}\t{i}\t{commit}\t{kind}\t{saved}")
    manifest = "\n".join(rows) + "\n"
    (HISTORY / "SOURCES.tsv").write_text(manifest, encoding="utf-8")
    (HERE / "SOURCES.tsv").write_text(manifest, encoding="utf-8")
    print(f"{len(rows) - 1} versions written to {HISTORY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
