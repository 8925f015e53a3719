"""The structural 3-way merge that keeps every service customization.

    merge(base, ours, theirs, fmt="yaml", owned=["steps[id=custom-*]"], file="cloudbuild.yaml")
      -> MergeResult(text, conflicts, kept, applied)

base: what the service last received; ours: its file today; theirs: the new version.

YAML (ruamel round-trip) and JSON merge structurally; ours is the document that gets edited, so
its comments, key order, quoting and indentation stay, and only lines that change are rewritten:
  - maps by key; a key only one side changed takes that side; deletions are honoured when the
    other side left the value alone;
  - lists of maps by element identity: Cloud Build `steps` by `id`, other lists by `id`/`name`;
    elements without one by content (equal, then clearly similar, image tags ignored); when the
    pairing is unclear and it matters, the list is a conflict rather than a guess;
  - lists of scalars as sequences, both sides' insertions kept, duplicates dropped when the list
    was a set; multi-line strings (scripts) merge by lines;
  - both sides changed the same value differently (or one removed what the other changed):
    a Conflict(file, path, base, ours, theirs, reason); the output keeps ours' value there, never
    markers, and always parses to exactly the merged value;
  - owned paths (see owned.py) always keep ours' value (absent included);
  - no base: any disagreement is a conflict; ours absent: the new version is installed.
Text is a line diff3 with the same conflict policy. Deterministic: same inputs, same bytes.
"""
from __future__ import annotations

from .engine import FORMATS, Format, merge
from .owned import Item, Path, Segment, check_patterns, format_path, matches_owned
from .result import Conflict, MergeResult

__all__ = [
    "FORMATS", "Conflict", "Format", "Item", "MergeResult", "Path", "Segment",
    "check_patterns", "format_path", "matches_owned", "merge",
]
