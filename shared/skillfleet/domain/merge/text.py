"""Line-based 3-way merge of text (diff3 semantics): non-overlapping edits merge, edits of the
same lines by both sides conflict. On a conflict the output keeps ours' lines (never markers)
and the conflict lists both sides' lines.
"""
from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from .diff3 import diff3


@dataclass(frozen=True)
class TextConflict:
    lines: tuple[int, int]       # 1-based, inclusive, in the merged text (ours' lines)
    base: str
    ours: str
    theirs: str


def merge_lines(base: str, ours: str, theirs: str) -> tuple[str, list[TextConflict]]:
    b, o, t = base.splitlines(keepends=True), ours.splitlines(keepends=True), theirs.splitlines(keepends=True)
    out: list[str] = []
    conflicts: list[TextConflict] = []
    for ch in diff3(b, o, t):
        ours_part, theirs_part = o[slice(*ch.ours)], t[slice(*ch.theirs)]
        if ch.kind == "theirs":
            out += theirs_part
            continue
        if ch.kind == "conflict":
            start = len(out) + 1
            conflicts.append(TextConflict((start, start + max(len(ours_part), 1) - 1),
                                          "".join(b[slice(*ch.base)]), "".join(ours_part), "".join(theirs_part)))
        out += ours_part
    return "".join(out), conflicts


def merge_strings(b: Any, o: Any, t: Any) -> str | None:
    """A clean line merge of three multi-line strings (ours' scalar style kept), else None."""
    if not all(isinstance(x, str) and "\n" in x for x in (b, o, t)):
        return None
    text, conflicts = merge_lines(b, o, t)
    if conflicts:
        return None
    return type(o)(text) if type(o) is not str and _rebuildable(o) else text


def _rebuildable(o: Any) -> bool:
    # ruamel's LiteralScalarString and friends take the text as their only argument
    try:
        type(o)("x")
    except TypeError:
        return False
    return True


def carry_edits(original: str, before: str, after: str) -> str:
    """Apply the line edits that turn `before` into `after` onto `original`.

    `before` is a re-serialization of `original` (same content, normalized formatting), so the
    lines nobody edited keep `original`'s exact formatting; where an edit touches lines whose
    formatting differs, `after`'s lines win. Callers verify the result parses to what they meant.
    """
    crlf = "\r\n" in original
    if crlf:
        before, after = before.replace("\n", "\r\n"), after.replace("\n", "\r\n")
    o, b, a = original.splitlines(keepends=True), before.splitlines(keepends=True), after.splitlines(keepends=True)
    out: list[str] = []
    for ch in diff3(b, o, a):
        if ch.kind == "conflict":
            out += _line_by_line(b[slice(*ch.base)], o[slice(*ch.ours)], a[slice(*ch.theirs)])
        else:
            out += a[slice(*ch.theirs)] if ch.kind == "theirs" else o[slice(*ch.ours)]
    return "".join(out)


def _line_by_line(before: list[str], original: list[str], after: list[str]) -> list[str]:
    """Where `original` reformats `before` line for line, keep its lines that the edit left alone."""
    if len(before) != len(original):
        return after
    out: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        out += original[i1:i2] if tag == "equal" else after[j1:j2]
    return out

