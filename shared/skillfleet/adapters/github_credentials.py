"""Who the bot is on GitHub, from settings alone: the App's id and private key, read without importing
PyGithub (bootstrap decides what to wire from this; a function that never calls GitHub never loads it)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from ..domain.errors import PermanentError


@dataclass(frozen=True)
class AppCredentials:
    app_id: int
    private_key: SecretStr

    def __repr__(self) -> str:
        return f"AppCredentials(app_id={self.app_id}, private_key=SecretStr('**********'))"


def app_credentials(app_id: int | None, private_key: SecretStr | None,
                    private_key_file: Path | None) -> AppCredentials | None:
    """The App's credentials from settings: the key itself (Secret Manager, as an env secret) or a
    PEM file (local); None when no App is configured."""
    if app_id is None:
        if private_key is not None or private_key_file is not None:
            raise PermanentError("a GitHub App private key is set but SKILLFLEET_GITHUB_APP_ID is not; set the "
                                 "App's numeric id (App settings, 'App ID')")
        return None
    if private_key is not None:
        return AppCredentials(app_id, private_key)
    if private_key_file is None:
        raise PermanentError(f"GitHub App {app_id} has no private key: set SKILLFLEET_GITHUB_APP_PRIVATE_KEY "
                             "(Secret Manager) or SKILLFLEET_GITHUB_APP_PRIVATE_KEY_FILE (a .pem file)")
    try:
        return AppCredentials(app_id, SecretStr(private_key_file.read_text()))
    except OSError as exc:
        raise PermanentError(f"cannot read the GitHub App private key {private_key_file}: {exc.strerror}; "
                             "download it from the App's settings page ('Generate a private key')") from exc
