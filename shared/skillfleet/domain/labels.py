"""The names skillfleet gives things on GitHub: PR labels. Pure constants, one place."""
from __future__ import annotations

from .model import Severity

LABEL_UPDATE = "skills-update"                   # every skill PR
LABEL_CONFLICT = "skills-conflict"               # a draft PR with merge conflicts recorded in its body
LABEL_BREAKING = "breaking-change"               # the release is breaking (Release.breaking)
LABEL_ELIGIBLE = "skills-auto-merge-eligible"    # review-pr: low risk, merges once checks pass
LABEL_HUMAN = "needs-human-review"               # review-pr: people decide
LABEL_SECURITY = "security-review"               # review-pr: the security team decides
LABEL_CHECKS_FAILED = "skills-checks-failed"     # review-pr: a check suite failed
LABEL_ESCALATED = "skills-sla-escalated"         # sla-sweep: past twice the merge SLA


def severity_label(severity: Severity) -> str:
    return f"severity:{severity.value}"
