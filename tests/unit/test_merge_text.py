"""Plain text: a line 3-way merge without git; conflicts keep ours' lines, never markers."""
from __future__ import annotations

from skillfleet.domain.merge import merge

BASE = "".join(f"line {i}\n" for i in range(1, 11))


def test_edits_in_different_places_merge():
    ours = BASE.replace("line 2\n", "line 2 (ours)\n")
    theirs = BASE.replace("line 8\n", "line 8 (theirs)\n").replace("line 10\n", "line 10\nline 11\n")
    r = merge(BASE, ours, theirs, fmt="text")
    assert r.clean
    assert r.text == BASE.replace("line 2\n", "line 2 (ours)\n").replace("line 8\n", "line 8 (theirs)\n") + "line 11\n"


def test_overlapping_edits_conflict_and_keep_ours():
    ours = BASE.replace("line 5\n", "five\n")
    theirs = BASE.replace("line 5\n", "FIVE\n").replace("line 1\n", "one\n")
    r = merge(BASE, ours, theirs, fmt="text", file="Makefile")
    (c,) = r.conflicts
    assert (c.file, c.path, c.base, c.ours, c.theirs) == ("Makefile", "line 5", "line 5\n", "five\n", "FIVE\n")
    assert r.text == ours.replace("line 1\n", "one\n")
    assert "<<<<<<<" not in r.text


def test_identical_changes_are_not_conflicts():
    changed = BASE.replace("line 3\n", "three\n")
    assert merge(BASE, changed, changed, fmt="text").text == changed


def test_no_trailing_newline_is_kept():
    base, ours, theirs = "a\nb\nc", "A\nb\nc", "a\nb\nC"
    assert merge(base, ours, theirs, fmt="text").text == "A\nb\nC"


def test_without_base_differences_are_conflicts():
    r = merge(None, "x\n", "y\n", fmt="text")
    assert not r.clean and r.text == "x\n"
    assert merge(None, None, "y\n", fmt="text").text == "y\n"
