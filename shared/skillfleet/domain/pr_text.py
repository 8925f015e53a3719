"""Title, body and labels of a skill-update PR, read like Renovate's. Pure.

The title says from which version to which (a template, configurable in settings); the release
notes sit in a collapsible section with links to the skills repo's compare view and tag; each
upstream change is one short line; the review line never contradicts the labels (a conflicted PR
is a draft that people resolve, never "auto"); the team's commands close the body.
"""
from __future__ import annotations

from dataclasses import dataclass

from .apply import UpdatePlan
from .durations import format_duration
from .errors import UserError
from .labels import LABEL_CONFLICT, LABEL_UPDATE
from .model import Release
from .policy import Policy, Review
from .pr_lines import cell, change_line

TITLE_TEMPLATE = "[Skills] Update {skill} from v{from_version} to v{version}"
_TITLE_FIELDS = ("skill", "version", "from_version", "tag")
COMMANDS = (
    ("/skills ignore", "never propose this version to this repository again (closes the PR)"),
    ("/skills ignore-major", "propose no new major version of this skill to this repository (closes the PR)"),
    ("/skills unignore", "lift this repository's ignores of this skill and propose its newest version again"),
    ("/skills rebase", "recompute this PR from the repository's default branch as it is now"),
    ("/skills retry", "try again after a failed or stuck update"),
)


@dataclass(frozen=True)
class Links:
    """Where a reader goes next: the skills repo on GitHub's web UI, and the adoption dashboard."""

    web_url: str = "https://github.com"
    skills_repo: str = "platform/skills"
    dashboard_url: str | None = None


def github_web_url(api_url: str) -> str:
    """https://api.github.com → https://github.com; GitHub Enterprise's https://host/api/v3 → https://host."""
    url = api_url.rstrip("/")
    if url.endswith("/api/v3"):
        return url.removesuffix("/api/v3")
    return url.replace("://api.", "://", 1)


def check_title_template(template: str) -> str:
    """The template, or a UserError naming the fields it may use."""
    try:
        template.format(**{name: "x" for name in _TITLE_FIELDS})
    except (KeyError, IndexError, ValueError) as exc:
        raise UserError(f"PR title template {template!r} is not valid ({exc}); it may use "
                        + ", ".join("{" + n + "}" for n in _TITLE_FIELDS)) from None
    return template


def title(release: Release, *, template: str = TITLE_TEMPLATE, from_version: str | None = None) -> str:
    before = from_version or release.previous_version
    if before is None and template == TITLE_TEMPLATE:
        return f"[Skills] Add {release.skill} v{release.version}"
    return check_title_template(template).format(
        skill=release.skill, version=release.version, from_version=before or "none", tag=release.tag)


def labels(policy: Policy, plan: UpdatePlan) -> list[str]:
    out = list(dict.fromkeys([LABEL_UPDATE, *policy.labels]))
    if plan.conflicts:
        out.append(LABEL_CONFLICT)
    return out


def review_line(policy: Policy, plan: UpdatePlan) -> str:
    """What happens to this PR, in words that agree with its labels."""
    if plan.conflicts:
        return ("**by a person**: resolve the conflicts below first; this PR is a draft and is never "
                "merged automatically")
    return {
        Review.AUTO: "**automatic**: merged by skillfleet once every check passes",
        Review.AUTO_IF_NON_BREAKING: "**automatic** unless breaking: merged once every check passes",
        Review.HUMAN: "**by a person** on your team: review and merge",
        Review.SECURITY_TEAM: "**by the security team** (asked on this PR), then merge",
    }[policy.review]


def body(release: Release, plan: UpdatePlan, policy: Policy, *, default_branch: str,
         from_version: str | None = None, links: Links | None = None) -> str:
    before = from_version or release.previous_version
    prev = f"v{before}" if before else "(not installed)"
    lines = [
        f"This PR updates skill **{release.skill}** from `{prev}` to `v{release.version}`.", "",
        "| Skill | Change | Severity | Review | Merge within | Rollout |", "|---|---|---|---|---|---|",
        (f"| {release.skill} | `{prev}` → `v{release.version}` | {release.severity.value} | "
         f"{'by a person' if plan.conflicts or not policy.auto_merge else 'automatic'} | "
         f"{format_duration(policy.merge_sla)} | {policy.rollout.value} |"),
        "", "## What changed", *_notes(release, before, links or Links()),
        "", "## Impact",
        f"- Severity: **{release.severity.value}**" + (f" ({'; '.join(release.reasons)})" if release.reasons else ""),
        f"- Review: {review_line(policy, plan)}",
        f"- Files touched: {sum(1 for c in plan.changes if c.status != 'unchanged')} of {len(plan.changes)} managed files",
        *_conflicts(plan), *_files(plan), *_rollback(default_branch, prev), *_commands(links),
        "", f"<!-- skillfleet release={release.skill}@{release.version} bundle={release.bundle_sha256} -->",
    ]
    return "\n".join(lines) + "\n"


def _notes(release: Release, before: str | None, links: Links) -> list[str]:
    repo = f"{links.web_url.rstrip('/')}/{links.skills_repo}"
    tag = release.tag
    refs = [f"[tag `{tag}`]({repo}/releases/tag/{tag})"]
    if before:
        old = f"{release.skill}-v{before}"
        refs.insert(0, f"[compare `{old}...{tag}`]({repo}/compare/{old}...{tag})")
    notes = release.changelog.strip() or "_No changelog was published with this release._"
    return ["<details>", f"<summary>Release notes of {release.skill} v{release.version}</summary>", "",
            notes, "", " · ".join(refs), "", "</details>"]


def _conflicts(plan: UpdatePlan) -> list[str]:
    if not plan.conflicts:
        return []
    lines = ["", "## Conflicts (this PR is a draft and will not be auto-merged)",
             ("Both this repository and the skill changed the same values. Resolve them on this "
              "branch, then mark the PR ready for review."), "",
             "| file | path | base | ours (this repo) | theirs (skill) |", "|---|---|---|---|---|"]
    return lines + [f"| `{c.file}` | `{c.path}` | {cell(c.base)} | {cell(c.ours)} | {cell(c.theirs)} |"
                    for c in plan.conflicts]


def _files(plan: UpdatePlan) -> list[str]:
    lines = ["", "## Files"]
    for change in plan.changes:
        lines.append(f"- `{change.path}`: {change.status}")
        lines += [f"  - upstream: {change_line(a)}" for a in change.result.applied]
        lines += [f"  - kept your customization: {change_line(k)}" for k in change.result.kept]
    return lines


def _rollback(default_branch: str, prev: str) -> list[str]:
    return ["", "## Rollback",
            (f"Revert the merge commit of this PR on `{default_branch}`; `.skills-metadata.json` then records "
             f"{prev} again and the next update merges from there. To decline this version, close the PR "
             "with a comment giving the reason: it is recorded in the adoption registry.")]


def _commands(links: Links | None) -> list[str]:
    lines = ["", "---", "<details>", "<summary>Commands</summary>", "",
             "Comment on this PR with one of:", ""]
    lines += [f"- `{cmd}`: {what}" for cmd, what in COMMANDS]
    if links is not None and links.dashboard_url:
        lines += ["", f"Adoption of this release across the fleet: [dashboard]({links.dashboard_url})"]
    return lines + ["", "</details>"]
