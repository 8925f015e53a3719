"""`skillfleet db migrate | where | stop`: the registry database."""
from __future__ import annotations

import argparse

from ..adapters.registry import database as db


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("db", help="the registry database (PostgreSQL)")
    s = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    s.add_parser("migrate", help="apply pending schema migrations (safe to repeat and to run concurrently)",
                 ).set_defaults(func=_migrate)
    s.add_parser("where", help="show which database the settings select (never a password)",
                 ).set_defaults(func=_where)
    s.add_parser("stop", help="stop the embedded PostgreSQL under the state dir, if it runs",
                 ).set_defaults(func=_stop)


def _migrate(args: argparse.Namespace) -> int:
    """Apply the numbered migrations in order; print each one applied, or that the schema is current."""
    database = db.open_database(args.settings())
    try:
        applied = database.migrate()
    finally:
        database.close()
    for name in applied:
        print(f"applied {name}")
    print(f"{'migrated' if applied else 'already current'}: {database.where}")
    return 0


def _where(args: argparse.Namespace) -> int:
    """Print the database Settings select; starts and connects to nothing."""
    print(db.describe(args.settings()))
    return 0


def _stop(args: argparse.Namespace) -> int:
    settings = args.settings()
    if settings.database_url or settings.cloudsql_instance:
        print(f"nothing to stop: the registry is not embedded ({db.describe(settings)})")
        return 0
    stopped = db.stop_embedded(settings.state_dir)
    print(f"stopped embedded PostgreSQL in {db.embedded_pgdata(settings)}" if stopped
          else f"embedded PostgreSQL in {db.embedded_pgdata(settings)} was not running")
    return 0
