"""Merge benchmark: skillfleet's structural merge vs `git merge-file` on the same triples.

    .venv/bin/python bench/merge_bench.py [--seed N] [--details]

Triples come from every real Cloud Build config in ../shared/corpus/cloudbuild/ (see
scenarios.py); what a correct merge must contain is computed from the generated edit lists,
never from a merge tool's output. Prints one side-by-side table; see bench/README.md.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import Unusable, analyse
from scenarios import SCENARIOS, Triple, triples
from skillfleet.domain.merge import merge
from verify import Outcome, Tally, score

CORPUS = HERE.parent.parent / "shared" / "corpus" / "cloudbuild"
SEED = 20240611
OWNED = ("steps[id=custom-*]", "options.machineType")


def run_skillfleet(t: Triple, _tmp: Path) -> Outcome:
    try:
        r = merge(t.base, t.ours, t.theirs, fmt="yaml", owned=OWNED, file=t.file)
    except Exception as exc:  # noqa: BLE001 - an exception is a failed merge, counted as invalid
        return Outcome(t.ours, True, error=f"{type(exc).__name__}: {exc}")
    return Outcome(r.text, not r.clean, [(c.base, c.ours, c.theirs) for c in r.conflicts])


def run_git(t: Triple, tmp: Path) -> Outcome:
    paths = [tmp / "ours.yaml", tmp / "base.yaml", tmp / "theirs.yaml"]
    for path, text in zip(paths, (t.ours, t.base, t.theirs)):
        path.write_text(text)
    proc = subprocess.run(["git", "merge-file", "-p", "-q", *map(str, paths)], capture_output=True, text=True,
                          check=False)
    if proc.returncode < 0 or proc.returncode > 127:
        return Outcome(t.ours, True, error=proc.stderr.strip())
    return Outcome(proc.stdout, proc.returncode > 0)


def take_ours(t: Triple, _tmp: Path) -> Outcome:
    return Outcome(t.ours, False)


def take_theirs(t: Triple, _tmp: Path) -> Outcome:
    return Outcome(t.theirs, False)


def verifier_check(cases: list[Triple]) -> str:
    """The checks must catch the two lazy "merges"; if they did not, the table would mean nothing."""
    ours, theirs = run(take_ours, cases), run(take_theirs, cases)
    missed, dropped = ours.up_total - ours.up_applied, theirs.svc_total - theirs.svc_kept
    verdict = "ok" if missed and dropped else "BROKEN: the checks accept a lazy merge"
    return (f"verifier check ({verdict}): 'take ours' misses {missed}/{ours.up_total} upstream changes, "
            f"'take theirs' drops {dropped}/{theirs.svc_total} customizations")


def run(tool: Callable[[Triple, Path], Outcome], cases: list[Triple]) -> Tally:
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        for t in cases:
            start = time.perf_counter()
            out = tool(t, Path(tmp))
            tally.seconds += time.perf_counter() - start
            score(tally, t, out)
            if out.error:
                tally.failures.append(f"{t.file} [{t.scenario}] error: {out.error}")
    return tally


def load_cases(seed: int) -> tuple[list[Triple], int, dict[str, int], int]:
    cases: list[Triple] = []
    skipped: dict[str, int] = {}
    used = not_generated = 0
    for i, path in enumerate(sorted(CORPUS.glob("*.y*ml"))):
        try:
            base = analyse(path.name, path.read_text(encoding="utf-8"))
        except Unusable as exc:
            skipped[str(exc)] = skipped.get(str(exc), 0) + 1
            continue
        made, failed = triples(base, seed, i)
        used += 1
        not_generated += failed
        cases += made
    return cases, used, skipped, not_generated


# --- report -----------------------------------------------------------------------------------
def _pct(num: int, den: int) -> str:
    return f"{100 * num / den:5.1f}% ({num}/{den})" if den else "   n/a"


def _ratio(a: float, b: float) -> str:
    if b == 0:
        return "inf" if a else "-"
    return f"{a / b:.2f}x"


def table(sf: Tally, git: Tally) -> list[str]:
    def frac(t: Tally, num: str, den: str) -> tuple[str, float]:
        n, d = getattr(t, num), getattr(t, den)
        return _pct(n, d), (n / d if d else 0.0)

    rows = [
        ("clean merges (all triples)", "clean", "n"),
        ("clean merges where no unowned value overlaps", "clean_when_expected", "expected_clean"),
        ("true conflicts reported (not silently resolved)", "caught", "expected_conflict"),
        ("conflict precision (flagged triples truly overlapping)", "flagged_true", "flagged"),
        ("customizations preserved, clean merges", "svc_kept", "svc_total"),
        ("upstream changes applied, clean merges", "up_applied", "up_total"),
        ("merged file exactly as expected, clean merges", "exact", "exact_total"),
        ("valid output (parses as YAML, no markers)", "valid", "n"),
    ]
    head = f"{'metric':<56} {'skillfleet':>22} {'git merge-file':>22} {'sf/git':>8}"
    lines = [head, "-" * len(head)]
    for label, num, den in rows:
        (a, ra), (b, rb) = frac(sf, num, den), frac(git, num, den)
        lines.append(f"{label:<56} {a:>22} {b:>22} {_ratio(ra, rb):>8}")
    a = _pct(sf.conflict_records_true, sf.conflict_records)
    lines.append(f"{'conflict records naming the overlapping value':<56} {a:>22} {'(markers only)':>22} {'':>8}")
    fa, fb = sf.n / sf.seconds if sf.seconds else 0, git.n / git.seconds if git.seconds else 0
    lines.append(f"{'files/second':<56} {fa:>22.1f} {fb:>22.1f} {_ratio(fa, fb):>8}")
    return lines


def scenario_table(sf: Tally, git: Tally) -> list[str]:
    lines = [f"{'clean-merge rate by scenario':<56} {'skillfleet':>22} {'git merge-file':>22}"]
    for name in SCENARIOS:
        a, b = sf.by_scenario.get(name, [0, 0]), git.by_scenario.get(name, [0, 0])
        lines.append(f"  {name:<54} {_pct(a[1], a[0]):>22} {_pct(b[1], b[0]):>22}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--details", action="store_true", help="list every failed expectation")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    cases, used, skipped, not_generated = load_cases(args.seed)
    total = used + sum(skipped.values())
    skip_text = ", ".join(f"{n} {why}" for why, n in sorted(skipped.items())) or "none"
    print(f"corpus: {total} Cloud Build configs in {CORPUS}; used {used}; skipped {sum(skipped.values())} "
          f"({skip_text})")
    print(f"triples: {len(cases)} (seed {args.seed}; {not_generated} scenario(s) not applicable to their file); "
          f"owned paths for skillfleet: {', '.join(OWNED)}")
    sf, git = run(run_skillfleet, cases), run(run_git, cases)
    print()
    print("\n".join(table(sf, git)))
    print()
    print("\n".join(scenario_table(sf, git)))
    for name, tally in (("skillfleet", sf), ("git merge-file", git)):
        print(f"\n{name}: {len(tally.failures)} failed expectation(s) on clean merges or errors")
        for failure in tally.failures[: None if args.details else 5]:
            print(f"  - {failure}")
    print()
    print(verifier_check(cases))
    print(f"\nran in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
