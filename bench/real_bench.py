"""Merge benchmark on real upstream history: skillfleet's merge vs `git merge-file`.

    .venv/bin/python bench/real_bench.py [--details]

Consecutive versions of real Cloud Build configs (collected by bench/real/collect.py with their
repository, path, commit and licence; see bench/real/SOURCES.tsv) are upstream's base -> theirs;
ours is base plus one service customization of each kind in real/cases.py. Each result is checked
structurally against the customization applied to theirs, or must be a conflict.
"""
from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import itertools

from merge_bench import _pct, run_git
from real.cases import KINDS, Case, load, rng_for
from real.collect import HISTORY
from real.kinds import build
from scenarios import Triple
from skillfleet.domain.merge import merge
from verify import MARKERS

OWNED = ("steps[id=custom-*]",)   # no owned option here: git cannot know of one, so no answer favours us


@dataclass
class Score:
    n: int = 0
    valid: int = 0
    clean_cases: int = 0
    clean_merged: int = 0
    clean_right: int = 0
    conflict_cases: int = 0
    conflict_caught: int = 0
    either_cases: int = 0
    either_clean_ok: int = 0
    silent: int = 0
    seconds: float = 0.0
    by_kind: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    failures: list[str] = field(default_factory=list)


def cases() -> list[Case]:
    rows = list(csv.DictReader((HISTORY / "SOURCES.tsv").open(encoding="utf-8"), delimiter="\t"))
    files: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        files[(row["repo"], row["path"])].append(row)
    out = []
    for (repo, path), versions in files.items():
        for a, b in itertools.pairwise(versions):
            base, theirs = (HISTORY / a["saved_name"]).read_text(), (HISTORY / b["saved_name"]).read_text()
            for kind in KINDS:
                case = build(kind, f"{repo}/{path}@v{a['version']}", base, theirs, rng_for(path, int(a["version"]), kind))
                if case is not None:
                    out.append(case)
    return out


def skillfleet(case: Case, _tmp: Path) -> tuple[str, bool]:
    try:
        r = merge(case.base, case.ours, case.theirs, fmt="yaml", owned=OWNED, file=case.file)
    except Exception as exc:  # noqa: BLE001 - an exception is a failed merge
        return f"{type(exc).__name__}: {exc}\n<<<<<<< error", True
    return r.text, not r.clean


def git(case: Case, tmp: Path) -> tuple[str, bool]:
    out = run_git(Triple(case.file, case.kind, case.base, case.ours, case.theirs, [], [], None, []), tmp)
    return out.text, out.conflicted


def _right(case: Case, data: dict[str, object] | None, text: str) -> bool:
    if data is None or not case.check(data, text):
        return False
    if case.verdict == "clean":
        return data == case.expected
    theirs = load(case.theirs) or {}
    return all(data.get(k) == v for k, v in theirs.items() if k != "steps")


def score(tool: object, all_cases: list[Case]) -> Score:
    s = Score()
    with tempfile.TemporaryDirectory() as tmp:
        for case in all_cases:
            start = time.perf_counter()
            text, conflicted = tool(case, Path(tmp))  # type: ignore[operator]
            s.seconds += time.perf_counter() - start
            data = None if any(ln.startswith(MARKERS) for ln in text.splitlines()) else load(text)
            data = data if isinstance(data, dict) else None
            s.n += 1
            s.valid += data is not None
            row = s.by_kind[case.kind]
            ok = conflicted if case.verdict == "conflict" else (not conflicted and _right(case, data, text))
            if case.verdict == "clean":
                s.clean_cases += 1
                s.clean_merged += not conflicted
                s.clean_right += ok
            elif case.verdict == "conflict":
                s.conflict_cases += 1
                s.conflict_caught += conflicted
            else:
                s.either_cases += 1
                s.either_clean_ok += ok
            if not conflicted and not (ok or (case.verdict == "either" and _right(case, data, text))):
                s.silent += 1
                s.failures.append(f"{case.file} [{case.kind}] clean result that is not right")
            row[0] += 1
            row[1] += ok or (case.verdict == "either" and conflicted)
    return s


def table(sf: Score, gt: Score) -> list[str]:
    head = f"{'metric (real upstream commits)':<56} {'skillfleet':>22} {'git merge-file':>22}"
    rows = [
        ("clean cases merged correctly", "clean_right", "clean_cases"),
        ("clean cases merged without a conflict", "clean_merged", "clean_cases"),
        ("true conflicts reported (not silently resolved)", "conflict_caught", "conflict_cases"),
        ("unclear cases: clean and right (else a conflict)", "either_clean_ok", "either_cases"),
        ("valid output (parses as YAML, no markers)", "valid", "n"),
    ]
    lines = [head, "-" * len(head)]
    for label, num, den in rows:
        a, b = _pct(getattr(sf, num), getattr(sf, den)), _pct(getattr(gt, num), getattr(gt, den))
        lines.append(f"{label:<56} {a:>22} {b:>22}")
    lines.append(f"{'silent wins (clean result that loses or garbles a change)':<56} {sf.silent:>22} {gt.silent:>22}")
    fa, fb = sf.n / sf.seconds, gt.n / gt.seconds
    lines.append(f"{'files/second':<56} {fa:>22.1f} {fb:>22.1f}")
    lines += ["", f"{'right answer by customization kind':<56} {'skillfleet':>22} {'git merge-file':>22}"]
    for kind in KINDS:
        a, b = sf.by_kind.get(kind, [0, 0]), gt.by_kind.get(kind, [0, 0])
        lines.append(f"  {kind:<54} {_pct(a[1], a[0]):>22} {_pct(b[1], b[0]):>22}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--details", action="store_true", help="list every wrong clean result")
    args = parser.parse_args(argv)
    if not (HISTORY / "SOURCES.tsv").exists():
        print(f"no history in {HISTORY}: run bench/real/collect.py after fetching the repositories it lists")
        return 1
    all_cases = cases()
    verdicts = {v: sum(c.verdict == v for c in all_cases) for v in ("clean", "conflict", "either")}
    print(f"real history: {len(all_cases)} cases from {HISTORY} ({verdicts})")
    sf, gt = score(skillfleet, all_cases), score(git, all_cases)
    print("\n".join(table(sf, gt)))
    for name, s in (("skillfleet", sf), ("git merge-file", gt)):
        print(f"\n{name}: {len(s.failures)} wrong clean result(s)")
        for failure in s.failures[: None if args.details else 5]:
            print(f"  - {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
