"""JSON merges structurally like YAML; the file keeps its key order, indentation and newline."""
from __future__ import annotations

import json

import pytest
from skillfleet.domain.errors import UserError
from skillfleet.domain.merge import merge

BASE = json.dumps({"name": "svc", "scripts": {"build": "tsc", "test": "jest"},
                   "files": ["dist"], "engines": {"node": ">=18"}}, indent=4) + "\n"


def test_both_sides_change_different_keys():
    ours = BASE.replace('"test": "jest"', '"test": "jest --ci",\n        "lint": "eslint ."')
    theirs = BASE.replace('">=18"', '">=20"').replace('"dist"', '"dist",\n        "README.md"')
    r = merge(BASE, ours, theirs, fmt="json")
    assert r.clean
    assert json.loads(r.text) == {"name": "svc", "scripts": {"build": "tsc", "test": "jest --ci", "lint": "eslint ."},
                                  "files": ["dist", "README.md"], "engines": {"node": ">=20"}}
    assert list(json.loads(r.text)) == ["name", "scripts", "files", "engines"]
    assert '\n    "name"' in r.text and r.text.endswith("}\n")


def test_compact_ours_stays_compact_and_without_newline():
    base, ours = '{"a": 1, "b": [1, 2]}', '{"a": 1, "b": [1, 2], "c": true}'
    r = merge(base, ours, '{"a": 2, "b": [1, 2]}', fmt="json")
    assert r.text == '{"a": 2, "b": [1, 2], "c": true}'


def test_conflict_keeps_ours_and_is_valid_json():
    ours, theirs = BASE.replace('">=18"', '">=19"'), BASE.replace('">=18"', '">=20"')
    r = merge(BASE, ours, theirs, fmt="json", owned=())
    (c,) = r.conflicts
    assert (c.path, c.base, c.ours, c.theirs) == ("engines.node", ">=18", ">=19", ">=20")
    assert json.loads(r.text)["engines"]["node"] == ">=19"


def test_owned_and_deletions():
    ours = BASE.replace('">=18"', '">=16"')
    theirs = BASE.replace(',\n    "engines": {\n        "node": ">=18"\n    }', "").replace('"jest"', '"vitest"')
    r = merge(BASE, ours, theirs, fmt="json", owned=["engines"])
    doc = json.loads(r.text)
    assert r.clean and doc["engines"] == {"node": ">=16"} and doc["scripts"]["test"] == "vitest"
    r = merge(BASE, BASE, theirs, fmt="json")
    assert "engines" not in json.loads(r.text) and r.text == theirs


def test_true_and_1_are_different_values():
    r = merge('{"a": 1}', '{"a": true}', '{"a": 2}', fmt="json")
    assert [c.path for c in r.conflicts] == ["a"]


def test_invalid_json_is_a_user_error():
    with pytest.raises(UserError, match="theirs: invalid JSON"):
        merge(BASE, BASE, "{", fmt="json")
