"""Parse `postgresql://` URLs into pg8000 connect arguments; print them without the password.

Accepted forms (as libpq spells them):
  postgresql://user:pass@host:5432/db
  postgresql://user@/db?host=/run/postgresql            (unix socket directory)
  postgresql://user@%2Frun%2Fpostgresql:5433/db          (socket directory, percent-encoded)
  ...?sslmode=require|verify-full|disable&connect_timeout=10&application_name=x
"""
from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from ...domain.errors import UserError

_SCHEMES = ("postgresql", "postgres")
_PARAMS = ("host", "port", "user", "password", "sslmode", "connect_timeout", "application_name")
_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


@dataclass(frozen=True)
class PgTarget:
    user: str
    database: str
    host: str = "localhost"          # a path when it names a unix socket directory
    port: int = 5432
    password: str | None = field(default=None, repr=False)
    sslmode: str = "disable"
    timeout: float | None = None
    application_name: str | None = None

    @property
    def unix_sock(self) -> str | None:
        return f"{self.host}/.s.PGSQL.{self.port}" if self.host.startswith("/") else None

    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for pg8000.dbapi.connect."""
        kwargs: dict[str, Any] = {"user": self.user, "database": self.database, "password": self.password,
                                  "timeout": self.timeout, "application_name": self.application_name}
        if self.unix_sock:
            kwargs["unix_sock"] = self.unix_sock
        else:
            kwargs.update(host=self.host, port=self.port, ssl_context=_ssl_context(self.sslmode))
        return kwargs

    def safe_url(self) -> str:
        """The URL with the password left out: safe for logs and `skillfleet db where`."""
        user = quote(self.user, safe="")
        if self.unix_sock:
            return f"postgresql://{user}@/{self.database}?host={self.host}&port={self.port}"
        return f"postgresql://{user}@{self.host}:{self.port}/{self.database}"


def parse_url(url: str, *, default_database: str) -> PgTarget:
    parts = urlsplit(url.strip())
    if parts.scheme not in _SCHEMES:
        raise UserError(
            f"SKILLFLEET_DATABASE_URL must start with postgresql:// (got scheme {parts.scheme!r}); "
            "for example postgresql://user:password@host:5432/skillfleet"
        )
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(query) - set(_PARAMS))
    if unknown:
        raise UserError(f"SKILLFLEET_DATABASE_URL has unsupported parameters {unknown}; "
                        f"supported: {', '.join(_PARAMS)}")
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    host, port = _split_hostport(hostport)
    sslmode = query.get("sslmode", "disable")
    if sslmode not in _SSLMODES:
        raise UserError(f"sslmode={sslmode!r} is not one of {', '.join(_SSLMODES)}")
    return PgTarget(
        user=unquote(query.get("user") or user) or "postgres",
        password=unquote(query.get("password") or password) or None,
        host=query.get("host") or unquote(host) or "localhost",
        port=_port(query.get("port") or port),
        database=unquote(parts.path.lstrip("/")) or default_database,
        sslmode=sslmode,
        timeout=float(query["connect_timeout"]) if query.get("connect_timeout") else None,
        application_name=query.get("application_name") or None,
    )


def _split_hostport(hostport: str) -> tuple[str, str]:
    if hostport.startswith("["):                       # [ipv6]:port
        host, _, rest = hostport[1:].partition("]")
        return host, rest.lstrip(":")
    host, _, port = hostport.partition(":")
    return host, port


def _port(text: str) -> int:
    if not text:
        return 5432
    if not text.isdigit():
        raise UserError(f"invalid port {text!r} in SKILLFLEET_DATABASE_URL: expected a number such as 5432")
    return int(text)


def _ssl_context(sslmode: str) -> ssl.SSLContext | None:
    if sslmode in ("disable", "allow", "prefer"):
        return None
    context = ssl.create_default_context()
    if sslmode in ("require", "verify-ca"):
        # libpq's `require` encrypts without checking the certificate; verify-ca skips the host name
        context.check_hostname = False
        if sslmode == "require":
            context.verify_mode = ssl.CERT_NONE
    return context
