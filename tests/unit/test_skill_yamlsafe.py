"""Untrusted YAML: alias bombs and recursive aliases refused before construction, tags refused."""
from __future__ import annotations

import time

import pytest
from skillfleet.domain import yamlsafe
from skillfleet.domain.errors import UserError


def laughs(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ",".join(['"lol"'] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [10, 30])   # 9**10 and 9**30 nodes once expanded
def test_billion_laughs_is_refused_in_milliseconds(levels: int) -> None:
    start = time.monotonic()
    with pytest.raises(UserError, match="alias bomb"):
        yamlsafe.load(laughs(levels), where="bomb.yaml")
    assert time.monotonic() - start < 0.5


def test_bomb_hidden_behind_merge_keys_and_documents() -> None:
    merge = "base: &b {x: 1}\n" + "".join(f"m{i}: &m{i} {{<<: *{'b' if i == 0 else f'm{i - 1}'}, y{i}: [*b, *b]}}\n"
                                          for i in range(3))
    assert yamlsafe.load(merge, where="ok.yaml")["m2"]["x"] == 1
    docs = "---\n".join([laughs(4)] * 200)     # each document fine, the stream too big
    with pytest.raises(UserError, match="alias bomb"):
        yamlsafe.load_all(docs, where="multi.yaml", max_nodes=10_000)


@pytest.mark.parametrize("text", ["a: &x [*x]\n", "a: &x {b: *x}\n"])
def test_recursive_aliases_are_refused(text: str) -> None:
    with pytest.raises(UserError, match="recursive alias"):
        yamlsafe.load(text, where="loop.yaml")


def test_object_tags_are_refused() -> None:
    with pytest.raises(UserError, match="invalid YAML"):
        yamlsafe.load("x: !!python/object/apply:os.system ['echo pwned']\n", where="evil.yaml")


def test_ordinary_anchors_still_work() -> None:
    data = yamlsafe.load("defaults: &d {image: node:20}\nsteps:\n  - *d\n  - *d\n", where="ok.yaml")
    assert data["steps"] == [{"image": "node:20"}] * 2


def test_oversized_text_is_refused_before_parsing() -> None:
    with pytest.raises(UserError, match="larger than"):
        yamlsafe.check("a: " + "x" * (yamlsafe.MAX_YAML_BYTES + 1), where="big.yaml")


def test_errors_cite_the_line() -> None:
    with pytest.raises(UserError, match=r"where.yaml: invalid YAML at line 4, column 5: mapping values"):
        yamlsafe.load("a: 1\nb: c: d\n", where="where.yaml", line_offset=2)
