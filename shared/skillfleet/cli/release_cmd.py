"""`skillfleet release TAG`: run the chain in-process against the configured forge and registry."""
from __future__ import annotations

import argparse

from .. import reporting
from ..domain.errors import UserError
from ..domain.messages import SkillTagPushed
from ..domain.versioning import ReleaseTag
from ..runtime.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("release", help="release TAG now, in this process (tag-received -> ... -> PRs)",
                       description="Runs tag-received, fan-out-repos and generate-pr in-process with an "
                                   "in-memory bus. The operator's own GitHub token is the authority here, so "
                                   "no Actions OIDC token is asked for.")
    p.add_argument("tag", help="<skill>-v<MAJOR.MINOR.PATCH>, e.g. gcp-nodejs-cicd-v2.1.0")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ..adapters.bus_memory import InProcessBus
    from ..adapters.registry import connect_registry
    from ..bootstrap import bootstrap, consumers

    tag = ReleaseTag.parse(args.tag)          # a malformed tag fails here, before any I/O
    settings = Settings()
    if settings.github_token is None:
        raise UserError("no GitHub token: set SKILLFLEET_GITHUB_TOKEN (and SKILLFLEET_GITHUB_URL for GitHub "
                        "Enterprise or the emulator) so skillfleet can read the skills repo and open PRs")
    registry = connect_registry(settings)
    bus = InProcessBus(registry=registry, max_attempts=settings.max_delivery_attempts)
    app = bootstrap(settings, registry=registry, bus=bus, verify_tag_token=None)
    for consumer in consumers(app):
        bus.subscribe(consumer)
    sha = app.forge.resolve_ref(settings.skills_repo, str(tag))
    bus.publish(SkillTagPushed(repository=settings.skills_repo, tag=str(tag), sha=sha, actor="cli"))
    stats = bus.drain()
    print(f"delivered {stats.delivered} messages: {stats.acked} ok, {stats.rejected} rejected, "
          f"{stats.dead_lettered} dead-lettered")
    if registry.get_release(tag.skill, str(tag.version)) is None:
        print("the release was not recorded; see the errors above and `skillfleet dlq list`")
        return 1
    print(reporting.adoption_table(registry.adoption(tag.skill, str(tag.version))))
    return 0 if not stats.dead_lettered and not stats.rejected else 1
