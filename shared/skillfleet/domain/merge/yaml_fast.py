"""The fast path of the YAML merge: C-parsed plain data, and a text merge checked against it.

Parsing dominates the merge's cost, and ruamel's round-trip parser (the one that keeps comments)
is pure Python. So each input is parsed once with libyaml (ruamel.yaml.clib's CParser, the same
YAML 1.2 resolver and constructors as the round-trip loader) and merged as plain data. When that
merge is clean and the line-level merge of the three texts (edits on disjoint lines combined, see
text.merge_lines_close) parses to exactly the merged value, that text is the answer: every line
nobody changed is the service's own, comments included. Otherwise (a conflict, edits on the same
lines, a value the texts cannot carry) the caller falls back to the round-trip merge of ours.
"""
from __future__ import annotations

import threading
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from .. import yamlsafe
from ..errors import UserError
from .renames import follow_renames
from .text import merge_lines_close
from .tree import Ctx, guard_finds_loss, merge_value
from .values import MISSING, same

_LOCAL = threading.local()


class NeedsRoundTrip(Exception):
    """Text the C loader cannot take as plain data (custom tags such as `!Ref`, errors to word)."""


def _loader() -> YAML:
    yaml: YAML | None = getattr(_LOCAL, "yaml", None)
    if yaml is None:
        yaml = YAML(typ="safe", pure=False)   # CParser when ruamel.yaml.clib is installed
        _LOCAL.yaml = yaml
    return yaml


def load_plain(text: str, where: str, *, checked: bool = False) -> Any:
    """Plain data (dict/list/scalars) of one YAML document, with yamlsafe's limits unless the text
    is our own output. NeedsRoundTrip when the round-trip loader must decide (and word errors)."""
    if not checked and len(text.encode("utf-8", "surrogatepass")) > yamlsafe.MAX_YAML_BYTES:
        raise UserError(f"{where}: YAML is larger than {yamlsafe.MAX_YAML_BYTES} bytes; split or shrink it")
    yaml = _loader()
    try:
        node = yaml.compose(text)
        if node is None:
            return None
        if not checked and "*" in text:   # no `*`, no alias: nothing can expand
            yamlsafe.expanded_size(node, where=where)
        return yaml.constructor.construct_document(node)
    except (YAMLError, ValueError, TypeError) as exc:
        _LOCAL.yaml = None   # a parser left mid-document is not reused
        raise NeedsRoundTrip(str(exc)) from None


Inputs = tuple[Any, Any, Any]   # base (MISSING when unknown), ours, theirs as plain data


def load_inputs(base: str | None, ours: str, theirs: str, labels: tuple[str, str, str]) -> Inputs:
    b = load_plain(base, labels[0]) if base is not None else MISSING
    return b, load_plain(ours, labels[1]), load_plain(theirs, labels[2])


def merge_fast(base: str | None, ours: str, theirs: str, inputs: Inputs, ctx: Ctx) -> str | None:
    """The merged text when the plain-data merge settles it without touching ours' formatting
    (ctx then holds the merge's notes and any guard conflicts); None: round-trip ours."""
    b, o, t = inputs
    if follow_renames(b, o, t, ctx):   # b, o, t rewritten in place; compare with what ours said
        ours_value, theirs_value = load_plain(ours, "ours"), load_plain(theirs, "theirs")
    else:
        ours_value, theirs_value = o, t
    value = merge_value(b, o, t, (), ctx)   # plain data in, new containers out: o, t stay as read
    if not ctx.conflicts and guard_finds_loss(b, o, t, value, ctx):
        return ours
    if same(value, ours_value):
        return ours
    if base == ours and same(value, theirs_value):
        return theirs
    if base is None:
        return None
    text = merge_lines_close(base, ours, theirs)
    return text if parses_to(text, value) else None


def parses_to(text: str, value: Any) -> bool | None:
    """Whether our output text reads back as exactly `value` (libyaml: a check, not a round trip);
    None when libyaml cannot tell (custom tags)."""
    try:
        return same(load_plain(text, "merged", checked=True), value)
    except NeedsRoundTrip:
        return None
