"""`skillfleet infra plan|apply`: the Google Cloud topology in infra/topology.yaml, as gcloud commands."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..domain.errors import UserError
from ..infra import apply_emulator, apply_gcloud, github_app, loader, planner, shell
from ..infra.topology import Topology


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("infra", help="plan or apply the cloud topology (infra/topology.yaml)")
    actions = parser.add_subparsers(dest="infra_action", metavar="ACTION", required=True)
    plan = actions.add_parser("plan", help="print the ordered, idempotent gcloud script")
    add_topology_args(plan)
    plan.set_defaults(func=cmd_plan)
    apply = actions.add_parser(
        "apply", help="run the plan with gcloud, or apply topics/subscriptions to the emulator")
    add_topology_args(apply)
    apply.add_argument("--emulator", metavar="HOST:PORT",
                       help="apply to this Pub/Sub emulator instead of Google Cloud")
    apply.add_argument("--push-base", metavar="URL",
                       help="emulator: where functions listen; URL/<function>, "
                            "or a template with {function}/{module}")
    apply.add_argument("--push-endpoint", metavar="FUNCTION=URL", action="append", default=[],
                       help="emulator: base URL of one function (repeatable; wins over --push-base)")
    apply.add_argument("--min-backoff", type=int, metavar="S", help="emulator: override retry min backoff")
    apply.add_argument("--max-backoff", type=int, metavar="S", help="emulator: override retry max backoff")
    apply.add_argument("--max-attempts", type=int, metavar="N",
                       help="emulator: override max delivery attempts")
    apply.add_argument("--dry-run", action="store_true", help="print what would be done, change nothing")
    apply.set_defaults(func=cmd_apply)
    _register_github_app(actions)


def _register_github_app(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    app = actions.add_parser("github-app", help="print the least-privilege GitHub App manifest (JSON)")
    app.add_argument("--webhook-url", required=True, metavar="URL",
                     help="the github-webhook function's https URL")
    app.add_argument("--name", default=github_app.DEFAULT_NAME, help="the App's name (default: %(default)s)")
    app.add_argument("--org", help="the organization that will own the App")
    app.add_argument("--url", help="the App's homepage (default: https://github.com/ORG)")
    app.add_argument("--redirect-url", metavar="URL",
                     help="where GitHub sends the one-time code after registration (manifest flow)")
    app.add_argument("--form", type=Path, metavar="FILE",
                     help="also write an HTML page that posts the manifest to GitHub's new-App page")
    app.set_defaults(func=cmd_github_app)


def add_topology_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--topology", type=Path, default=loader.DEFAULT_PATH, help="default: %(default)s")
    parser.add_argument("--project", help="Google Cloud project id (param PROJECT)")
    parser.add_argument("--region", help="region (param REGION)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a topology param, e.g. SKILLS_REPO_ID=123456 (repeatable)")


def given_params(args: argparse.Namespace) -> dict[str, str]:
    given = dict(_pair(p, "--param") for p in args.param)
    if args.project:
        given["PROJECT"] = args.project
    if args.region:
        given["REGION"] = args.region
    return given


def cmd_plan(args: argparse.Namespace) -> int:
    """Print the plan as a bash script: `skillfleet infra plan > plan.sh`."""
    topo = loader.load(args.topology)
    loader.values_for(topo, given_params(args))     # refuses unknown params early
    print(shell.render(planner.plan(topo, given_params(args))), end="")
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    topo = loader.load(args.topology)
    if args.emulator or args.push_base or args.push_endpoint:
        return _apply_emulator(topo, args)
    the_plan = planner.plan(topo, loader.values_for(topo, given_params(args)))
    if args.dry_run:
        print(shell.render(the_plan), end="")
        print("# dry run: nothing was changed")
        return 0
    done = apply_gcloud.apply(the_plan)
    actions = ("created", "updated", "ran", "present")
    print("infra apply: " + ", ".join(f"{sum(1 for d in done if d.action == a)} {a}" for a in actions))
    return 0


def cmd_github_app(args: argparse.Namespace) -> int:
    """The manifest on stdout (pure JSON); how to register it on stderr."""
    body = github_app.manifest(args.webhook_url, name=args.name, url=args.url, org=args.org,
                               redirect_url=args.redirect_url)
    print(github_app.render(body), end="")
    if args.form:
        args.form.write_text(github_app.form_html(body, args.org), encoding="utf-8")
    how = f"open {args.form} in a browser" if args.form else "POST it as the form field `manifest`"
    print(f"register: {how} to {github_app.registration_url(args.org)}; then generate a private key "
          "(SKILLFLEET_GITHUB_APP_PRIVATE_KEY), set the webhook secret (SKILLFLEET_WEBHOOK_SECRET) and "
          "install the App on the skills and service repositories", file=sys.stderr)
    return 0


def _apply_emulator(topo: Topology, args: argparse.Namespace) -> int:
    settings = args.settings()
    host = args.emulator or settings.pubsub_emulator_host
    if not host:
        raise UserError("--emulator HOST:PORT is required (or SKILLFLEET_PUBSUB_EMULATOR_HOST)")
    given = {"PROJECT": settings.gcp_project, **given_params(args)}
    resolved = loader.resolve(topo, loader.values_for(topo, given))
    endpoint_for = _endpoints(args)
    overrides = apply_emulator.Overrides(args.min_backoff, args.max_backoff, args.max_attempts)
    if args.dry_run:
        for call in apply_emulator.desired_calls(resolved, endpoint_for, overrides):
            body = json.dumps(call.body, sort_keys=True)
            print(f"{call.method} /v1/projects/{resolved.project}{call.path} {body}")
        return 0
    for line in apply_emulator.apply_to_emulator(resolved, host, endpoint_for, overrides):
        print(line)
    return 0


def _endpoints(args: argparse.Namespace) -> apply_emulator.EndpointFor:
    explicit = dict(_pair(p, "--push-endpoint") for p in args.push_endpoint)
    base = apply_emulator.endpoints_from_base(args.push_base) if args.push_base else None

    def endpoint(function: str) -> str:
        if function in explicit:
            return explicit[function]
        if base is None:
            raise UserError(f"no push endpoint for {function}: "
                            f"pass --push-base URL or --push-endpoint {function}=URL")
        return base(function)
    return endpoint


def _pair(text: str, flag: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise UserError(f"{flag} takes NAME=VALUE, got {text!r}")
    return name, value
