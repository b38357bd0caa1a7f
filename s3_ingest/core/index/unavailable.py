"""An index that cannot be opened, said in one line: which index (never its password), what is
wrong, and what to do - the same words from `sync`, `search`, `status` and a Dagster run.

libpq's messages are multi-line and name the host several times; the user needs to know that
the database does not exist and how to create it, not a traceback through the pool.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit, urlunsplit


class IndexUnavailable(RuntimeError):
    """The index cannot be used as configured; the message is one line a user can act on."""


def redact(url: str) -> str:
    """The URL with its password (if any) replaced by ***."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<unparseable URL>"
    if password is None:
        return url
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.split(':', 1)[0]}:***@{host}"))


def _where(url: str) -> tuple[str, str, str, str]:
    """(host, port, user, database) as the URL names them, with libpq's defaults."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "localhost", str(parts.port or 5432)
        user = unquote(parts.username or "") or "postgres"
    except ValueError:
        host, port, user = "localhost", "5432", "postgres"
    database = unquote(urlsplit(url).path.lstrip("/")) or user
    return host, port, user, database


_DATABASE_MISSING = re.compile(r'database "([^"]+)" does not exist')
_ROLE_MISSING = re.compile(r'role "([^"]+)" does not exist')
_EXTENSION = re.compile(r'extension "([^"]+)"')


def explain_postgres(exc: BaseException, url: str) -> IndexUnavailable:
    """One line for a failure to connect to (or set up) a PostgreSQL index."""
    message = str(exc)
    host, port, user, database = _where(url)
    index = f"index {redact(url)}"
    if found := _DATABASE_MISSING.search(message):
        return IndexUnavailable(
            f'{index}: database "{found.group(1)}" does not exist; create it first: '
            f"createdb -h {host} -p {port} -U {user} {found.group(1)}")
    if "password authentication failed" in message or "no password supplied" in message:
        return IndexUnavailable(
            f'{index}: the server refused the password of user "{user}"; check the user and '
            "password in the index URL (--index or $S3_INGEST_INDEX_URL)")
    if found := _ROLE_MISSING.search(message):
        return IndexUnavailable(
            f'{index}: role "{found.group(1)}" does not exist on the server; create it '
            f"(createuser -h {host} -p {port} {found.group(1)}) or fix the user in the URL")
    if "Connection refused" in message or "could not connect" in message.lower():
        return IndexUnavailable(
            f"{index}: no PostgreSQL server answers at {host}:{port} (connection refused); "
            "start it, or fix the host and port in the index URL")
    if "timeout expired" in message or "timed out" in message:
        return IndexUnavailable(
            f"{index}: no answer from {host}:{port} in time; check that the server is up and "
            "reachable from here (firewall, security group), or fix the host and port")
    if "could not translate host name" in message or "Name or service not known" in message:
        return IndexUnavailable(
            f'{index}: the host name "{host}" does not resolve; fix the host in the index URL')
    if found := _EXTENSION.search(message):
        return IndexUnavailable(
            f'{index}: the extension "{found.group(1)}" is not available on the server; '
            f"install its package there, or have an administrator run CREATE EXTENSION "
            f"{found.group(1)} in database {database}")
    if "permission denied" in message:
        return IndexUnavailable(
            f'{index}: user "{user}" may not create the index tables ({_first_line(message)}); '
            f"grant it CREATE on the database {database} (or its schema), or use its owner")
    return IndexUnavailable(f"{index}: {_first_line(message)}")


def _first_line(message: str) -> str:
    """libpq's last meaningful line: its first names only the host it tried."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return "the server could not be used"
    head = lines[0]
    # "connection failed: connection to server at "h", port p failed: FATAL:  <reason>"
    return re.sub(r"\s+", " ", head.rsplit("FATAL:", 1)[-1]).strip()
