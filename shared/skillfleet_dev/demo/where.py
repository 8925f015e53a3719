"""Where the demo leaves its world, so that `skillfleet status` and `skillfleet dashboard` see it.

The demo writes the database the CLI reads by default (`skillfleet` on the embedded PostgreSQL)
when that database is free for it: absent, empty, or left by an earlier demo (marked). A database
with someone's own services is never touched: the demo then uses `skillfleet_demo` and says how to
read it.
"""
from __future__ import annotations

from typing import Any

from skillfleet.ports import Registry
from skillfleet.runtime.settings import Settings

DEFAULT_DB = str(Settings.model_fields["db_name"].default)
FALLBACK_DB = "skillfleet_demo"
_MARK = ("demo", "world")     # a processed_messages key: this database holds a demo's world


def choose(settings: Settings) -> Settings:
    """The demo's settings: the default local database when it is free for a demo, else the fallback."""
    from skillfleet.adapters.registry import embedded, embedded_pgdata
    server = embedded.ensure_running(embedded_pgdata(settings))
    conn = server.connect("postgres", autocommit=True)
    try:
        cur = conn.cursor()
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DEFAULT_DB,))
        exists = cur.fetchone() is not None
    finally:
        conn.close()
    free = not exists or _free_for_demo(server.connect(DEFAULT_DB))
    return settings.model_copy(update={"db_name": DEFAULT_DB if free else FALLBACK_DB})


def _free_for_demo(conn: Any) -> bool:
    try:
        cur = conn.cursor()
        cur.execute("SELECT to_regclass('services') IS NOT NULL, to_regclass('processed_messages') IS NOT NULL")
        has_services, has_marks = cur.fetchone()
        if not has_services:
            return True
        cur.execute("SELECT count(*) FROM services")
        if cur.fetchone()[0] == 0:
            return True
        if not has_marks:
            return False
        cur.execute("SELECT 1 FROM processed_messages WHERE scope = %s AND key = %s", _MARK)
        return cur.fetchone() is not None
    finally:
        conn.close()


def mark(registry: Registry) -> None:
    """Say that this database holds a demo's world (the next demo may start it clean)."""
    registry.first_time(*_MARK)


def closing_lines(settings: Settings, tag: str, skill: str) -> list[str]:
    """How to look at the world the demo left, and how to stop the local PostgreSQL."""
    pgdata = (settings.state_dir / "pg").expanduser().resolve()
    env = "" if settings.db_name == DEFAULT_DB else f"SKILLFLEET_DB_NAME={settings.db_name} "
    lines = ["Look at what the demo left (the registry stays in the local PostgreSQL):",
             f"  {env}skillfleet status {skill}",
             f"  {env}skillfleet status {skill} --repos --state rejected",
             f"  {env}skillfleet rollout status {tag}",
             f"  {env}skillfleet dashboard            # the adoption dashboard on 127.0.0.1, prints its URL"]
    if env:
        lines.append(f"  (your own registry is in database {DEFAULT_DB}, so the demo used {settings.db_name})")
    lines.append(f"The local PostgreSQL ({pgdata}) keeps running for these; stop it with `skillfleet db stop`.")
    return lines
