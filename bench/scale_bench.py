"""Skillfleet at fleet scale, one command: `make bench-scale` (add --full for 5,000 PRs).

Each measurement is printed next to a baseline taken in the same run: the old code path where one
exists (fan-out), a bare `python -c pass` (cold import), the 100-PR run's per-PR cost (tag -> N PRs).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parent.parent / ".skillfleet" / "bench-scale"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="also tag -> 5,000 PRs (about 10 minutes)")
    parser.add_argument("--only", choices=("fleet", "cold", "release"), action="append",
                        help="run only these sections (repeatable)")
    parser.add_argument("--no-baseline-fan-out", action="store_true",
                        help="skip the old per-item fan-out (about 2 minutes at 100k services)")
    parser.add_argument("--cold-baseline-ref", metavar="COMMIT",
                        help="also measure cold start on this commit's code (e.g. the one before a change)")
    parser.add_argument("--profile", action="store_true", help="print the 1,000-PR run's top five (cProfile)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of tag -> 1,000 PRs (the median is shown)")
    parser.add_argument("--no-webhooks", action="store_true",
                        help="tag -> N PRs without the emulator's webhooks (no review-pr, record-merge)")
    parser.add_argument("--release-one", type=int, help=argparse.SUPPRESS)   # a child: one tag -> N PRs
    args = parser.parse_args(argv)
    if args.release_one:
        import scale_release
        return scale_release.child(args.release_one, ROOT, profile=args.profile, webhooks=not args.no_webhooks)
    sections = args.only or ["fleet", "cold", "release"]
    if "fleet" in sections:
        fleet_section(baseline=not args.no_baseline_fan_out)
    if "cold" in sections:
        import scale_cold
        table("Cold start per function (median of 3, a fresh interpreter each)",
              scale_cold.run(baseline_ref=args.cold_baseline_ref))
    if "release" in sections:
        import scale_release
        sizes = (100, 1000, 5000) if args.full else (100, 1000)
        table("Tag -> N PRs (emulator limits off)", scale_release.run(sizes, profile=args.profile, repeat=args.repeat,
                                                                    webhooks=not args.no_webhooks))
    return 0


def fleet_section(*, baseline: bool) -> None:
    import scale_db
    import scale_fleet
    from skillfleet.adapters.blob_local import LocalBlobStore
    from skillfleet.adapters.registry import connect_registry
    from skillfleet.adapters.registry.migrate import migrate
    from skillfleet.runtime.settings import Settings

    srv = scale_db.server(ROOT)
    url = scale_db.seeded_url(srv, migrate)
    registry = connect_registry(Settings(database_url=url, state_dir=ROOT))
    conn = srv.connect(scale_db.SEEDED_DB, autocommit=True)
    print("fleet:", ", ".join(f"{k} {v:,}" for k, v in scale_db.sizes(conn).items()))
    blobs = LocalBlobStore(Path(tempfile.mkdtemp()) / "blobs")
    rows = []
    for version, old in (("2.0.0", True), ("2.1.0", False)):
        if old and not baseline:
            continue
        _forget(conn, version)
        took, items, sent = scale_fleet.fan_out(registry, blobs, version, old=old)
        rows.append((f"fan-out {items:,} services ({'old: per item' if old else 'batched'})",
                     f"{took:.2f} s", f"{sent:,} published"))
        _forget(conn, version)
    for path, ms in scale_fleet.pages(registry).items():
        rows.append((f"dashboard GET {path}", f"{ms:.0f} ms", "target <= 300 ms"))
    table("Fan-out and dashboard against the seeded fleet", rows)
    conn.close()
    registry.close()


def _forget(conn: object, version: str) -> None:
    import scale_db
    cur = conn.cursor()  # type: ignore[attr-defined]
    for sql in ("DELETE FROM rollout_items WHERE release_id = %s", "DELETE FROM outbox WHERE subject = 'fan-out:' || %s"):
        cur.execute(f"{sql.replace('%s', '(SELECT id FROM skill_releases WHERE skill = %s AND version = %s)')}",
                    (scale_db.FANOUT_SKILL, version))


def table(title: str, rows: list[tuple[str, ...]]) -> None:
    print(f"\n{title}")
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))] if rows else []
    for r in rows:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)))
    sys.stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main())
