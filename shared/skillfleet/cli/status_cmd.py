"""`skillfleet status SKILL`: adoption of a release, overall and per team."""
from __future__ import annotations

import argparse

from .. import reporting
from ..domain.errors import UserError
from ..domain.versioning import Version, validate_skill_name


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("status", help="adoption of a skill release: merged / in review / rejected, per team")
    p.add_argument("skill")
    p.add_argument("--version", help="release version (default: the latest release)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ..adapters.registry import connect_registry
    skill = validate_skill_name(args.skill)
    registry = connect_registry(args.settings())
    if args.version:
        release = registry.get_release(skill, str(Version.parse(args.version)))
    else:
        release = registry.latest_release(skill)
    if release is None:
        raise UserError(f"no release of {skill!r}{' v' + args.version if args.version else ''} is recorded; "
                        "publish one with `skillfleet release <skill>-v<version>`")
    print(reporting.adoption_table(registry.adoption(release.skill, release.version)))
    return 0
