"""Local protocol servers on 127.0.0.1 for tests and the demo (OIDC issuer, Slack, a GCS proxy).

Each one is a real HTTP server on a free loopback port, started and stopped by the caller
(`with Server() as s:`); nothing here runs at import time or in production code paths.
"""
