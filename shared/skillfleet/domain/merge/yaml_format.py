"""YAML in and out of the structural merge, with ruamel.yaml round-trip.

Ours is the document that gets edited, so the service's comments, key order and quoting stay.
The edited document is written back by carrying only the changed lines into ours' text (see
text.carry_edits); every candidate is re-parsed and must equal the merged data, else a full
re-serialization is used. The output therefore always parses, to exactly the merged value.
"""
from __future__ import annotations

import io
import itertools
from collections import Counter
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from .. import yamlsafe
from ..errors import UserError
from . import yaml_fast
from .renames import follow_renames
from .text import carry_edits
from .tree import Ctx, guard_finds_loss, merge_value
from .values import MISSING, plain, same

Style = tuple[int, int, int, bool]       # mapping indent, sequence indent, dash offset, "---" first
_FALLBACK_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2))


def load(text: str, where: str, *, checked: bool = False) -> Any:
    """Round-trip load, refusing oversized input and alias bombs (yamlsafe's limits) unless the
    text is our own output."""
    if not checked and len(text.encode("utf-8", "surrogatepass")) > yamlsafe.MAX_YAML_BYTES:
        raise UserError(f"{where}: YAML is larger than {yamlsafe.MAX_YAML_BYTES} bytes; split or shrink it")
    yaml = _yaml()
    try:
        node = yaml.compose(text)
        if node is not None and not checked:
            yamlsafe.expanded_size(node, where=where)
        return None if node is None else yaml.constructor.construct_document(node)
    except YAMLError as exc:
        hint = "; a file with several documents needs strategy text" if "single document" in str(exc) else ""
        raise UserError(f"{where}: invalid YAML{_brief(exc)}{hint}") from None


def validate(text: str, where: str) -> None:
    """A UserError saying what is wrong unless `text` is one YAML document (libyaml first)."""
    try:
        yaml_fast.load_plain(text, where)
    except yaml_fast.NeedsRoundTrip:
        load(text, where)


def _brief(exc: YAMLError) -> str:
    mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None)
    if mark is None or not problem:
        return ": " + " ".join(str(exc).split())[:300]
    return f" at line {mark.line + 1}, column {mark.column + 1}: {problem}"


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


def merge_yaml(base: str | None, ours: str, theirs: str, ctx: Ctx,
               labels: tuple[str, str, str] = ("base", "ours", "theirs")) -> str:
    """Each input parsed once by libyaml; most merges end there (yaml_fast). The rest round-trip
    ours (its comments, quoting and key order must stay) and theirs (its new nodes bring theirs)."""
    ctx.base_comments = frozenset(ln.strip() for ln in (base or "").splitlines() if ln.lstrip().startswith("#"))
    try:
        inputs = yaml_fast.load_inputs(base, ours, theirs, labels)
    except yaml_fast.NeedsRoundTrip:   # custom tags, or errors the round-trip loader words
        t_doc = load(theirs, labels[2])
        return _merge_round_trip(base, ours, theirs, load(base, labels[0]) if base is not None else MISSING, t_doc,
                                 ctx, labels)
    text = yaml_fast.merge_fast(base, ours, theirs, inputs, ctx)
    if text is not None:
        return text
    ctx.reset()
    # theirs round-trips too here: a step or key it adds keeps its comments and quoting in ours
    b = yaml_fast.load_plain(base, labels[0]) if base is not None else MISSING   # fresh: renames rewrote it
    return _merge_round_trip(base, ours, theirs, b, load(theirs, labels[2]), ctx, labels)


def _merge_round_trip(base: str | None, ours: str, theirs: str, b_doc: Any, t_doc: Any, ctx: Ctx,
                      labels: tuple[str, str, str]) -> str:
    o_doc = load(ours, labels[1])
    ours_value, theirs_value = plain(o_doc), plain(t_doc)
    style = guess_style(ours)
    before = dump(o_doc, style)   # ours re-serialized, before the merge edits it in place
    followed = follow_renames(b_doc, o_doc, t_doc, ctx)
    o_now, t_now = (plain(o_doc), plain(t_doc)) if followed else (ours_value, theirs_value)
    doc = merge_value(b_doc, o_doc, t_doc, (), ctx)
    value = plain(doc)
    if not ctx.conflicts and guard_finds_loss(plain(b_doc), o_now, t_now, value, ctx):
        return ours
    if same(value, ours_value):
        return ours
    if base == ours and same(value, theirs_value):
        return theirs
    return _render(ours, before, style, doc, value, ctx)


def _render(ours: str, before: str, style: Style, doc: Any, value: Any, ctx: Ctx) -> str:
    for attempt in dict.fromkeys((style, *((*indent, style[3]) for indent in _FALLBACK_INDENTS))):
        if attempt != style:
            before = dump(load(ours, "ours", checked=True), attempt)
        text = carry_edits(ours, before, dump(doc, attempt))
        if _parses_to(text, value):
            return text
    text = dump(doc, style)
    if _parses_to(text, value):
        return text
    ctx.conflict((), None, None, None, "the merged document could not be written back faithfully; "
                 "merge this file by hand")
    return ours


def dump(doc: Any, style: Style) -> str:
    yaml = _yaml()
    yaml.indent(mapping=style[0], sequence=style[1], offset=style[2])
    yaml.explicit_start = style[3]
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _parses_to(text: str, value: Any) -> bool:
    quick = yaml_fast.parses_to(text, value)
    if quick is not None:
        return quick
    try:   # what libyaml cannot take as plain data (custom tags) the round-trip loader checks
        return same(plain(load(text, "merged", checked=True)), value)
    except UserError:
        return False


def guess_style(text: str) -> Style:
    """The indentation most of the file uses (key -> nested key, key -> '- ' item) and whether
    it starts with an explicit '---'."""
    maps: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    for prev, cur in itertools.pairwise(lines):
        if not prev.rstrip().endswith(":"):
            continue
        stripped = prev.lstrip()
        key_col = len(prev) - len(stripped) + (2 if stripped.startswith("- ") else 0)
        col = len(cur) - len(cur.lstrip())
        if col < key_col or (col == key_col and not cur.lstrip().startswith("- ")):
            continue
        (offsets if cur.lstrip().startswith("- ") else maps)[col - key_col] += 1
    mapping = maps.most_common(1)[0][0] if maps else 2
    offset = offsets.most_common(1)[0][0] if offsets else 2
    return (mapping or 2, offset + 2, offset, text.lstrip().startswith("---"))
