"""`skillfleet deploy stage|plan`: self-contained function sources and their gcloud deploy commands."""
from __future__ import annotations

import argparse
from pathlib import Path, PurePosixPath

from ..infra import loader, planner, shell, staging
from ..infra.deploy_command import DEFAULT_SOURCE_ROOT
from .infra_cmd import add_topology_args, given_params


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("deploy", help="stage function sources and print their deploy commands")
    actions = parser.add_subparsers(dest="deploy_action", metavar="ACTION", required=True)
    stage = actions.add_parser(
        "stage", help="build/functions/<module>/: main.py, the package, pinned requirements")
    stage.add_argument("--root", type=Path, default=Path("."), help="repository root (default: .)")
    stage.add_argument("--out", type=Path, default=Path(str(DEFAULT_SOURCE_ROOT)),
                       help="default: %(default)s")
    stage.add_argument("--function", action="append", default=[], metavar="NAME",
                       help="only these (repeatable)")
    stage.set_defaults(func=cmd_stage)
    plan = actions.add_parser("plan", help="print `gcloud functions deploy --gen2` for each staged function")
    add_topology_args(plan)
    plan.add_argument("--source-root", default=str(DEFAULT_SOURCE_ROOT), help="where `stage` put the sources")
    plan.add_argument("--function", action="append", default=[], metavar="NAME",
                      help="only these (repeatable)")
    plan.add_argument("--scripts", type=Path, metavar="DIR",
                      help="also write DIR/<module>.sh, one script per function")
    plan.set_defaults(func=cmd_plan)


def cmd_stage(args: argparse.Namespace) -> int:
    """Stage every function (or --function ones) so `gcloud functions deploy --source=DIR` works."""
    specs = staging.select(args.function)
    for staged in staging.stage(args.root, args.out, specs):
        print(f"staged {staged.function}: {staged.path}")
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """Print the deploy commands; with --scripts, write one standalone script per function too."""
    topo = loader.load(args.topology)
    given = given_params(args)
    loader.values_for(topo, given)
    specs = staging.select(args.function)
    names = tuple(spec.name for spec in specs)
    source_root = PurePosixPath(args.source_root)
    print(shell.render(planner.deploy_plan(topo, names, given, source_root)), end="")
    if args.scripts:
        args.scripts.mkdir(parents=True, exist_ok=True)
        for spec in specs:
            script = args.scripts / f"{spec.module}.sh"
            script.write_text(shell.render(planner.deploy_plan(topo, (spec.name,), given, source_root)))
            script.chmod(0o755)
    return 0
