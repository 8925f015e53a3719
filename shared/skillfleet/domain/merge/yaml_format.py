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
from .text import carry_edits
from .tree import Ctx, merge_value
from .values import MISSING, plain, same

Style = tuple[int, int, int]       # mapping indent, sequence indent, dash offset
_FALLBACK_STYLES: tuple[Style, ...] = ((2, 4, 2), (2, 2, 0), (4, 4, 2))


def load(text: str, where: str, *, checked: bool = False) -> Any:
    """Round-trip load; `yamlsafe.check` first (size, alias bombs) unless the text is our own output."""
    if not checked:
        yamlsafe.check(text, where=where)
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        hint = "; files with several documents need strategy text" if "single document" in str(exc) else ""
        raise UserError(f"{where}: invalid YAML: {exc}{hint}".replace("\n", " ")) from None
    return data


def merge_yaml(base: str | None, ours: str, theirs: str, ctx: Ctx,
               labels: tuple[str, str, str] = ("base", "ours", "theirs")) -> str:
    o_doc, t_doc = load(ours, labels[1]), load(theirs, labels[2])
    b_doc = load(base, labels[0]) if base is not None else MISSING
    ours_value, theirs_value = plain(o_doc), plain(t_doc)
    ctx.base_comments = frozenset(ln.strip() for ln in (base or "").splitlines() if ln.lstrip().startswith("#"))
    doc = merge_value(b_doc, o_doc, t_doc, (), ctx)
    value = plain(doc)
    if same(value, ours_value):
        return ours
    if base == ours and same(value, theirs_value):
        return theirs
    return _render(ours, doc, value, ctx)


def _render(ours: str, doc: Any, value: Any, ctx: Ctx) -> str:
    guessed = guess_style(ours)
    for style in dict.fromkeys((guessed, *_FALLBACK_STYLES)):
        text = carry_edits(ours, dump(load(ours, "ours", checked=True), style), dump(doc, style))
        if _parses_to(text, value):
            return text
    text = dump(doc, guessed)
    if _parses_to(text, value):
        return text
    ctx.conflict((), None, None, None, "the merged document could not be written back faithfully; "
                 "merge this file by hand")
    return ours


def dump(doc: Any, style: Style) -> str:
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=style[0], sequence=style[1], offset=style[2])
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _parses_to(text: str, value: Any) -> bool:
    try:
        return same(plain(load(text, "merged", checked=True)), value)
    except UserError:
        return False


def guess_style(text: str) -> Style:
    """The indentation most of the file uses: key -> nested key, key -> '- ' item."""
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
    return (mapping or 2, offset + 2, offset)
