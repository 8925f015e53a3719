"""A skill's files held in memory: a folder read from disk, or a tree read from GitHub at a tag."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Tree:
    """A skill's files: path relative to the skill folder -> bytes, git-style modes, sizes."""

    files: dict[str, bytes]
    modes: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)   # when content was not read (too big)
    truncated: bool = False                                # reading stopped at the file-count limit

    def size(self, path: str) -> int:
        return self.sizes.get(path, len(self.files[path]))

    def is_symlink(self, path: str) -> bool:
        return _mode_bits(self.modes.get(path)) & 0o170000 == 0o120000

    def executable(self, path: str) -> bool | None:
        """None when the mode is unknown (a tree read without modes)."""
        mode = self.modes.get(path)
        return None if not mode else bool(_mode_bits(mode) & 0o111)


def _mode_bits(mode: str | None) -> int:
    try:
        return int((mode or "0").removeprefix("0o"), 8)
    except ValueError:
        return 0
