"""A user mistake gets one clear line and exit 2, never a traceback."""
import pytest
from skillfleet.cli.main import main


@pytest.mark.parametrize("argv,needle", [
    (["release", "gcp-nodejs-cicd-2.1"], "malformed release tag"),
    (["release", "Bad_Name-v1.0.0"], "invalid skill name"),
    (["release", "gcp-nodejs-cicd-v2.1.0.0"], "MAJOR.MINOR.PATCH"),
    (["services", "import", "/nonexistent/services.yaml"], "no such file"),
])
def test_user_mistakes_exit_2_with_a_reason(argv, needle, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLFLEET_STATE_DIR", str(tmp_path))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_release_without_a_github_token_says_which_variable_to_set(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLFLEET_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("SKILLFLEET_GITHUB_TOKEN", raising=False)
    assert main(["release", "gcp-nodejs-cicd-v2.1.0"]) == 2
    assert "SKILLFLEET_GITHUB_TOKEN" in capsys.readouterr().err


@pytest.mark.parametrize("content,needle", [
    ("repo,team\nbad,team\n", "must be owner/name"),
    ("repo,team,skills\nacme/a,t,gcp-nodejs-cicd@v2\n", "invalid version"),
    ("repo\nacme/a\n", "needs at least 'repo'"),
])
def test_services_file_errors_name_the_entry(content, needle, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SKILLFLEET_STATE_DIR", str(tmp_path))
    path = tmp_path / "services.csv"
    path.write_text(content)
    assert main(["services", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "entry 1" in err
