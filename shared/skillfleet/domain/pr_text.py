"""Title, body and labels of a skill-update PR. Pure."""
from __future__ import annotations

import json

from .apply import UpdatePlan
from .durations import format_duration
from .labels import LABEL_CONFLICT, LABEL_UPDATE
from .model import Release
from .policy import Policy


def title(release: Release) -> str:
    return f"[Skills] Update {release.skill} to v{release.version}"


def labels(policy: Policy, plan: UpdatePlan) -> list[str]:
    out = list(dict.fromkeys([LABEL_UPDATE, *policy.labels]))
    if plan.conflicts:
        out.append(LABEL_CONFLICT)
    return out


def body(release: Release, plan: UpdatePlan, policy: Policy, *, default_branch: str) -> str:
    prev = f"v{release.previous_version}" if release.previous_version else "(not installed)"
    lines = [
        (f"This PR updates skill **{release.skill}** from {prev} to **v{release.version}** "
        f"(tag `{release.tag}`)."),
        "",
        "## What changed",
        release.changelog.strip() or "_No changelog was published with this release._",
        "",
        "## Impact",
        f"- Severity: **{release.severity.value}**" + (f" ({'; '.join(release.reasons)})" if release.reasons else ""),
        (f"- Review: {policy.review.value.replace('_', ' ')}; merge within {format_duration(policy.merge_sla)} "
        f"(rollout: {policy.rollout.value})"),
        (f"- Files touched: {sum(1 for c in plan.changes if c.status != 'unchanged')} of {len(plan.changes)} "
        "managed files"),
    ]
    if plan.conflicts:
        lines += ["", "## Conflicts (this PR is a draft and will not be auto-merged)",
                  ("Both this repository and the skill changed the same values. Resolve them on this "
                  "branch, then mark the PR ready for review."), "",
                  "| file | path | base | ours (this repo) | theirs (skill) |", "|---|---|---|---|---|"]
        lines += [f"| `{c.file}` | `{c.path}` | {_cell(c.base)} | {_cell(c.ours)} | {_cell(c.theirs)} |"
                  for c in plan.conflicts]
    lines += ["", "## Files"]
    for change in plan.changes:
        lines.append(f"- `{change.path}`: {change.status}")
        lines += [f"  - kept your customization: {k}" for k in change.result.kept]
        lines += [f"  - upstream: {a}" for a in change.result.applied]
    lines += [
        "", "## Rollback",
        (f"Revert the merge commit of this PR on `{default_branch}`; `.skills-metadata.json` then records "
        f"{prev} again and the next update merges from there. To decline this version, close the PR "
        "with a comment giving the reason: it is recorded in the adoption registry."),
        "", f"<!-- skillfleet release={release.skill}@{release.version} bundle={release.bundle_sha256} -->",
    ]
    return "\n".join(lines) + "\n"


def _cell(value: object, limit: int = 60) -> str:
    """A conflict value for a table cell: one line, bounded, pipes escaped (a value may be a whole step)."""
    if value is None:
        return "_(absent)_"
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    text = " ".join(text.split()).replace("|", "\\|").replace("`", "'")
    return f"`{text[:limit] + '…' if len(text) > limit else text}`"
