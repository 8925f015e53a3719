"""Tools for development, tests and the demo: the GitHub emulator, local test servers (OIDC issuer,
Slack, GCS proxy), the demo world and the dev stack. Installed for development; never staged into a
Cloud Function (infra/staging.py copies only what the functions import)."""
