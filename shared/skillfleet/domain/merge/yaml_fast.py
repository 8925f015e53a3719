"""The fast path of the YAML merge: C-parsed plain data, and a text merge checked against it.

Parsing dominates the merge's cost, and ruamel's round-trip parser (the one that keeps comments)
is pure Python. So each input is parsed once with libyaml (ruamel.yaml.clib's CParser, with the
same YAML 1.2 resolver and constructors as the round-trip loader) and merged as plain data. When
the line-level merge of the three texts (see linemerge.merge_lines_close) reads back as exactly the
merged value (conflicts included: ours' value stays there), that text is the answer: every line
nobody changed is the service's own, comments included. Otherwise (edits on the same lines, a
structure the lines cannot carry) the caller falls back to the round-trip merge.
"""
from __future__ import annotations

from typing import Any

from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.resolver import VersionedResolver

from .. import yamlsafe
from ..errors import UserError
from .linemerge import merge_lines_close
from .renames import follow_renames
from .tree import Ctx, guard_finds_loss, merge_value
from .values import MISSING, same

try:
    from _ruamel_yaml import CParser  # ruamel.yaml.clib: libyaml
except ImportError:  # pragma: no cover - the dependency is declared; without it every merge round-trips
    CParser = None


class NeedsRoundTrip(Exception):
    """Text the C loader cannot take as plain data (custom tags such as `!Ref`, errors to word)."""


if CParser is not None:
    class _CLoader(CParser, SafeConstructor, VersionedResolver):  # type: ignore[misc]
        """libyaml's parser with ruamel's safe constructors and YAML 1.2 resolver: what
        YAML(typ="safe", pure=False) assembles on every call (and keeps a record of), built once."""

        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            self._parser = self._composer = self
            SafeConstructor.__init__(self, loader=self)
            self.allow_duplicate_keys = False
            VersionedResolver.__init__(self, version=None, loadumper=self)

        @property
        def processing_version(self) -> tuple[int, int]:
            return (1, 2)   # texts with a %YAML directive go the round-trip way


def load_plain(text: str, where: str, *, checked: bool = False) -> Any:
    """Plain data (dict/list/scalars) of one YAML document, with yamlsafe's limits unless the text
    is our own output. NeedsRoundTrip when the round-trip loader must decide (and word errors)."""
    if not checked and len(text.encode("utf-8", "surrogatepass")) > yamlsafe.MAX_YAML_BYTES:
        raise UserError(f"{where}: YAML is larger than {yamlsafe.MAX_YAML_BYTES} bytes; split or shrink it")
    if CParser is None or "%YAML" in text:
        raise NeedsRoundTrip("libyaml is not installed" if CParser is None else "a %YAML directive")
    loader = _CLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if not checked and "*" in text:   # no `*`, no alias: nothing can expand
            yamlsafe.expanded_size(node, where=where)
        return loader.construct_document(node)
    except (YAMLError, ValueError, TypeError) as exc:
        raise NeedsRoundTrip(str(exc)) from None
    finally:
        loader.dispose()


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
    tried = set()
    for theirs_first in (False, True):
        text = merge_lines_close(base, ours, theirs, theirs_first=theirs_first)
        if text not in tried and parses_to(text, value):
            return text
        tried.add(text)
    return None


def parses_to(text: str, value: Any) -> bool | None:
    """Whether our output text reads back as exactly `value` (libyaml: a check, not a round trip);
    None when libyaml cannot tell (custom tags)."""
    try:
        return same(load_plain(text, "merged", checked=True), value)
    except NeedsRoundTrip:
        return None
