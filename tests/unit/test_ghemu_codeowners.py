"""CODEOWNERS matching, with the examples from GitHub's documentation."""
from __future__ import annotations

import pytest
from skillfleet_dev.ghemu import codeowners

DOCS_EXAMPLE = """
# comment
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/github
"""


@pytest.mark.parametrize(("path", "owners"), [
    ("README.md", ("@global-owner1", "@global-owner2")),
    ("src/app.js", ("@js-owner",)),
    ("main.go", ("docs@example.com",)),
    ("build/logs/today.txt", ("@octocat",)),        # **/logs comes later and wins
    ("deeply/nested/logs/x.txt", ("@octocat",)),
    ("docs/getting-started.md", ("@doctocat",)),    # /docs/ comes after docs/*
    ("scripts/deploy.sh", ("@doctocat", "@octocat")),
    ("apps/web/index.html", ("@octocat",)),
    ("apps/github/readme", ()),                      # a pattern without owners unowns the path
])
def test_last_matching_pattern_wins(path: str, owners: tuple[str, ...]) -> None:
    assert codeowners.owners_of(codeowners.parse(DOCS_EXAMPLE), path) == owners


def test_star_slash_star_matches_direct_children_only() -> None:
    rules = codeowners.parse("docs/* @writer\n")
    assert codeowners.owners_of(rules, "docs/a.md") == ("@writer",)
    assert codeowners.owners_of(rules, "docs/build-app/troubleshooting.md") == ()


def test_an_invalid_line_makes_github_ignore_the_file() -> None:
    assert codeowners.parse("* @team\n!negated @someone\n") == []
    assert codeowners.parse("* not-an-owner\n") == []


def test_owners_of_many_paths_are_deduplicated_in_order() -> None:
    rules = codeowners.parse("* @acme/platform\n/docs/ @writer\n")
    assert codeowners.owners_of_paths(rules, ["a.py", "docs/x.md", "b.py"]) == ["@acme/platform", "@writer"]
