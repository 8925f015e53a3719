import pytest
from skillfleet.domain.errors import UserError
from skillfleet.domain.versioning import Bump, ReleaseTag, Version


@pytest.mark.parametrize("text", ["v1.0.0", "1.0", "1.0.0.0", "01.0.0", "1.0.0-rc1", "", "a.b.c"])
def test_invalid_versions_are_refused_with_the_expected_form(text):
    with pytest.raises(UserError, match="MAJOR.MINOR.PATCH"):
        Version.parse(text)


def test_tag_parses_skill_and_version_and_names_the_branch():
    tag = ReleaseTag.parse("refs/tags/gcp-nodejs-cicd-v2.1.0")
    assert (tag.skill, str(tag.version)) == ("gcp-nodejs-cicd", "2.1.0")
    assert tag.branch == "skills/gcp-nodejs-cicd-v2.1.0"


@pytest.mark.parametrize("tag", ["gcp-nodejs-cicd-2.1.0", "gcp-nodejs-cicd-v2.1", "-v1.0.0", "Bad_Name-v1.0.0",
                                 "x-v1.0.0.0", "../etc-v1.0.0"])
def test_malformed_tags_say_what_a_tag_looks_like(tag):
    with pytest.raises(UserError) as err:
        ReleaseTag.parse(tag)
    assert repr(tag) in str(err.value) or "skill name" in str(err.value) or "version" in str(err.value)


@pytest.mark.parametrize("prev,cur,bump", [
    ("2.0.0", "2.0.1", Bump.PATCH), ("2.0.3", "2.1.0", Bump.MINOR), ("2.9.9", "3.0.0", Bump.MAJOR),
    (None, "1.0.0", Bump.MINOR), ("2.1.0", "2.1.0", Bump.NONE), ("2.1.0", "2.0.9", Bump.NONE),
])
def test_bump_kind(prev, cur, bump):
    assert Version.parse(cur).bump_from(Version.parse(prev) if prev else None) is bump
