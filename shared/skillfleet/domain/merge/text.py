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


def merge_lines_close(base: str, ours: str, theirs: str) -> str:
    """A line merge for callers that check the result against the tree merge (the YAML fast path):
    edits of neighbouring lines combine (diff3 calls them a conflict); where both sides inserted
    at one place both go in, ours first unless ours' part ends with a comment (a comment heads the
    line after it); where both changed the same lines ours' stay, as the tree merge keeps them for
    a service-owned value or a conflict. When that guess is wrong the check fails."""
    b, o, t = base.splitlines(keepends=True), ours.splitlines(keepends=True), theirs.splitlines(keepends=True)
    out: list[str] = []
    for ch in diff3(b, o, t):
        ours_part, theirs_part = o[slice(*ch.ours)], t[slice(*ch.theirs)]
        if ch.kind != "conflict":
            out += theirs_part if ch.kind == "theirs" else ours_part
            continue
        base_part = b[slice(*ch.base)]
        part = _interleave(base_part, ours_part, theirs_part)
        out += part if part is not None else _settle(base_part, ours_part, theirs_part)
    return "".join(out)


def _settle(base: list[str], ours: list[str], theirs: list[str]) -> list[str]:
    if base:
        return ours
    return theirs + ours if _ends_with_comment(ours) and not _ends_with_comment(theirs) else ours + theirs


def _ends_with_comment(lines: list[str]) -> bool:
    last = next((ln for ln in reversed(lines) if ln.strip()), "")
    return last.lstrip().startswith("#")


Edit = tuple[int, int, list[str]]    # base lines [start, end) replaced by these lines


def _edits(base: list[str], side: list[str]) -> list[Edit]:
    ops = SequenceMatcher(None, base, side, autojunk=False).get_opcodes()
    return [(i1, i2, side[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag != "equal"]


def _touch(x: Edit, y: Edit) -> bool:
    """Edits that share base lines, or insert at one place or strictly inside the other's lines."""
    (a1, a2, _), (b1, b2, _) = x, y
    if a1 == a2 and b1 == b2:
        return a1 == b1
    if a1 == a2 or b1 == b2:
        point, (r1, r2) = (a1, (b1, b2)) if a1 == a2 else (b1, (a1, a2))
        return r1 < point < r2
    return max(a1, b1) < min(a2, b2)


def _interleave(base: list[str], ours: list[str], theirs: list[str]) -> list[str] | None:
    mine, other = _edits(base, ours), _edits(base, theirs)
    if any(_touch(x, y) for x in mine for y in other):
        return None
    out: list[str] = []
    pos = 0
    for start, end, lines in sorted(mine + other, key=lambda e: (e[0], e[1])):
        out += base[pos:start] + lines
        pos = end
    return out + base[pos:]
