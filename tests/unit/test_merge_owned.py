"""Service-owned path patterns: the small language the manifest's `owned:` list is written in."""
from __future__ import annotations

import pytest
from skillfleet.domain.errors import UserError
from skillfleet.domain.merge import Item, check_patterns, format_path, matches_owned


def step(step_id: str | None, index: int = 0, **fields: str) -> Item:
    if step_id is not None:
        fields = {"id": step_id, **fields}
    return Item(index, "id" if step_id is not None else None, tuple(fields.items()))


@pytest.mark.parametrize(("path", "pattern", "owned"), [
    (("options", "machineType"), "options.machineType", True),
    (("options", "logging"), "options.machineType", False),
    (("options",), "options.machineType", False),                     # the parent is not owned
    (("substitutions", "_REGION"), "substitutions._REGION", True),
    (("substitutions", "_REGION_X"), "substitutions._REGION*", True),
    (("substitutions", "REGION"), "substitutions._*", False),
    (("steps", step("custom-lint")), "steps[id=custom-*]", True),
    (("steps", step("custom-lint"), "args"), "steps[id=custom-*]", True),  # everything below it
    (("steps", step("build")), "steps[id=custom-*]", False),
    (("steps", step(None, 3, name="gcr.io/x")), "steps[id=*]", False),  # no id, no match
    (("steps", step(None, 3, name="gcr.io/x")), "steps[name=gcr.io/*]", True),
    (("steps", step(None, 3)), "steps[*]", True),
    (("steps", step("deploy"), "env"), "steps[id=deploy].env", True),
    (("steps", step("deploy"), "args"), "steps[id=deploy].env", False),
    (("steps", "[id=deploy]", "env"), "steps[id=deploy].env", True),    # text form of an element
    (("a.b", "c"), '"a.b".c', True),
    (("aXb", "c"), '"a*b".c', False),                                   # quoted keys are literal
    (("x", "c"), "*.c", True),
])
def test_matches_owned(path, pattern, owned):
    assert matches_owned(path, [pattern]) is owned


def test_any_pattern_of_several_matches():
    assert matches_owned(("timeout",), ["options.machineType", "timeout"])
    assert not matches_owned(("timeout",), [])


@pytest.mark.parametrize("bad", ["", "options.", ".x", "a..b", "steps[id]", "steps[=x]", "steps[id=]", 'a"b"'])
def test_invalid_patterns_say_what_is_wrong(bad):
    with pytest.raises(UserError, match="owned path"):
        check_patterns([bad])


def test_paths_read_like_patterns():
    assert format_path(("steps", step("build"), "name")) == "steps[id=build].name"
    assert format_path(("steps", step(None, 2), "env")) == "steps[2].env"
    assert format_path(("a.b", "c")) == '"a.b".c'
    assert format_path(()) == "(document)"
