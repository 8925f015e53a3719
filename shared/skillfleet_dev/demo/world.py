"""The demo's world: a skills repo with gcp-nodejs-cicd, and service repos that customized it."""
from __future__ import annotations

import json
from dataclasses import dataclass

SKILL = "gcp-nodejs-cicd"
SKILLS_REPO = "platform/skills"
TEAMS = ("payments", "search", "identity", "growth", "data-platform")

# tests: minor releases reach every service at once (the default is 25 %, then all)
ONE_WAVE = """severity_matrix:
  minor:
    waves:
      - name: all
        percent: 100"""

# the demo's release is staged: the pilots, then 10 %, 25 % and everyone, each behind the staged gate
STAGED = """severity_matrix:
  minor:
    rollout: staged
    waves:
      - {name: pilot, percent: 1}
      - {name: 10%, percent: 10}
      - {name: 25%, percent: 25}
      - {name: all, percent: 100}"""

SKILL_MD = """---
name: gcp-nodejs-cicd
version: {version}
description: Cloud Build pipeline for Node.js services deployed to Cloud Run
author: platform-team
tags: [gcp, nodejs, cloud-build]
files:
  - source: files/cloudbuild.yaml
    destination: .cloudbuild/cloudbuild.yaml
    strategy: yaml
    owned:
      - steps[id=custom-*]
      - options.machineType
      - substitutions._REGION
severity_matrix:
  minor:
    waves:
      - name: all
        percent: 100
---
# gcp-nodejs-cicd

Builds, tests and deploys a Node.js service to Cloud Run. Add your own steps with ids starting
with `custom-`; they are yours and are never touched by updates.
"""

CLOUDBUILD_V2_0 = """# Managed by skillfleet (skill gcp-nodejs-cicd). Customize freely: updates are 3-way merged.
steps:
  - id: install
    name: node:18
    entrypoint: npm
    args: [ci]
  - id: test
    name: node:18
    entrypoint: npm
    args: [test]
  - id: build
    name: gcr.io/cloud-builders/docker
    args: [build, -t, '$_IMAGE:$SHORT_SHA', .]
  - id: deploy
    name: gcr.io/google.com/cloudsdktool/cloud-sdk
    entrypoint: gcloud
    args: [run, deploy, '{{ service }}', --image, '$_IMAGE:$SHORT_SHA', --region, '$_REGION']
substitutions:
  _IMAGE: europe-docker.pkg.dev/acme/services/{{ service }}
  _REGION: europe-west1
images:
  - '$_IMAGE:$SHORT_SHA'
timeout: 1200s
"""

# v2.1.0: Node 20, a lint step, logging option, a longer timeout
CLOUDBUILD_V2_1 = """# Managed by skillfleet (skill gcp-nodejs-cicd). Customize freely: updates are 3-way merged.
steps:
  - id: install
    name: node:20
    entrypoint: npm
    args: [ci]
  - id: lint
    name: node:20
    entrypoint: npm
    args: [run, lint]
  - id: test
    name: node:20
    entrypoint: npm
    args: [test]
  - id: build
    name: gcr.io/cloud-builders/docker
    args: [build, -t, '$_IMAGE:$SHORT_SHA', .]
  - id: deploy
    name: gcr.io/google.com/cloudsdktool/cloud-sdk
    entrypoint: gcloud
    args: [run, deploy, '{{ service }}', --image, '$_IMAGE:$SHORT_SHA', --region, '$_REGION']
substitutions:
  _IMAGE: europe-docker.pkg.dev/acme/services/{{ service }}
  _REGION: europe-west1
images:
  - '$_IMAGE:$SHORT_SHA'
options:
  logging: CLOUD_LOGGING_ONLY
timeout: 1800s
"""

V2_1_COMMITS = (
    "feat(gcp-nodejs-cicd): lint step before tests",
    "fix(gcp-nodejs-cicd): move to node:20, node:18 is end of life",
    "feat(gcp-nodejs-cicd): send build logs to Cloud Logging only",
)


@dataclass(frozen=True)
class DemoService:
    repo: str
    team: str
    customization: str


def services(count: int) -> list[DemoService]:
    kinds = ("extra-step", "env-vars", "machine-type", "region", "none", "comment", "pinned-node")
    out = []
    for i in range(count):
        team = TEAMS[i % len(TEAMS)]
        # one service in nine pinned its own Node image: a true conflict with v2.1.0's node:20
        kind = "pinned-node" if i % 9 == 4 else kinds[i % (len(kinds) - 1)]
        out.append(DemoService(f"acme/{team}-svc-{i:02d}", team, kind))
    return out


def skill_files(version: str, cloudbuild: str, matrix: str = ONE_WAVE) -> dict[str, str]:
    return {f"{SKILL}/SKILL.md": SKILL_MD.format(version=version).replace(ONE_WAVE, matrix),
            f"{SKILL}/files/cloudbuild.yaml": cloudbuild,
            "README.md": "# Skills\n\nShared engineering skills, released by tag `<skill>-v<semver>`.\n"}


def service_files(svc: DemoService, rendered_v2_0: str, bundle_sha: str) -> dict[str, str]:
    name = svc.repo.split("/")[1]
    cloudbuild = _customize(rendered_v2_0, svc.customization)
    metadata = {"skills": {SKILL: {"version": "2.0.0", "bundle_sha256": bundle_sha}}}
    return {
        ".cloudbuild/cloudbuild.yaml": cloudbuild,
        ".skills-metadata.json": json.dumps(metadata, indent=2, sort_keys=True) + "\n",
        "CODEOWNERS": f"* @acme/{svc.team}\n.cloudbuild/ @acme/{svc.team} @acme/platform\n",
        "package.json": json.dumps({"name": name, "scripts": {"test": "node --test", "lint": "eslint ."}}) + "\n",
        "README.md": f"# {name}\n\nOwned by team {svc.team}.\n",
    }


def _customize(text: str, kind: str) -> str:
    if kind == "extra-step":
        return text.replace("substitutions:", "  - id: custom-integration-tests  # our own e2e suite\n"
                            "    name: node:18\n    entrypoint: npm\n    args: [run, e2e]\nsubstitutions:", 1)
    if kind == "env-vars":
        return text.replace("    args: [test]\n", "    args: [test]\n    env: [NODE_ENV=test, TZ=UTC]\n", 1)
    if kind == "machine-type":
        return text.rstrip("\n") + "\noptions:\n  machineType: E2_HIGHCPU_8  # our builds are heavy\n"
    if kind == "region":
        return text.replace("_REGION: europe-west1", "_REGION: us-central1  # we serve the US", 1)
    if kind == "comment":
        return text.replace("  - id: build\n", "  # build the image; see docs/build.md\n  - id: build\n", 1)
    if kind == "pinned-node":
        return text.replace("name: node:18", "name: node:18.20.4  # pinned by the team", 2)
    return text
