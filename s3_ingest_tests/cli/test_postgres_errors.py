"""A PostgreSQL index that cannot be used is said once, in one line naming the index (never its
password) and the fix, by `sync`, `search` and `status` alike - no traceback. Against the real
local server: a database that does not exist, a role that does not exist, a closed port."""

from __future__ import annotations

import socket
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from s3_ingest.core.index.unavailable import explain_postgres, redact
from s3_ingest_tests.cli.test_main import run_cli, write_sources
from s3_ingest_tests.postgres import server_url

PASSWORD = "hunter2-not-for-logs"


def _url(user: str | None = None, port: int | None = None, database: str = "postgres") -> str:
    parts = urlsplit(server_url())
    host = parts.hostname or "127.0.0.1"
    user = user or parts.username or "postgres"
    netloc = f"{user}:{PASSWORD}@{host}:{port or parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc, path=f"/{database}"))


def _one_line_error(result, *must: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: index postgresql://"), result.stderr
    assert PASSWORD not in result.stdout + result.stderr and ":***@" in lines[0]
    assert "Traceback" not in result.stderr
    assert all(text in lines[0] for text in must), lines[0]
    return lines[0]


def test_a_missing_database_is_one_line_with_the_fix(local_s3, bucket, tmp_path):
    name = f"s3_ingest_missing_{uuid.uuid4().hex[:8]}"
    url = _url(database=name)
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket)
    fix = f"create it first: createdb -h {urlsplit(url).hostname} -p {urlsplit(url).port}"
    for command in (("sync", "--sources", str(sources)), ("search", "kestrel"),
                    ("status", "--sources", str(sources))):
        result = run_cli(*command, "--index", url, cwd=tmp_path)
        _one_line_error(result, f'database "{name}" does not exist', fix)
        assert "bucket" not in result.stderr  # the index is at fault, not the source


def test_a_server_that_is_down_is_one_line_with_the_fix(local_s3, bucket, tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = _url(port=port)
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket)
    for command in (("sync", "--sources", str(sources)), ("search", "kestrel"),
                    ("status", "--sources", str(sources))):
        _one_line_error(run_cli(*command, "--index", url, cwd=tmp_path),
                        f"no PostgreSQL server answers at 127.0.0.1:{port}", "start it")


def test_a_missing_role_is_one_line_with_the_fix(tmp_path):
    role = f"nobody_{uuid.uuid4().hex[:8]}"
    _one_line_error(run_cli("search", "kestrel", "--index", _url(user=role), cwd=tmp_path),
                    f'role "{role}" does not exist', "createuser")


@pytest.mark.parametrize(("message", "expected"), [
    ('connection failed: connection to server at "db", port 5432 failed: FATAL:  password '
     'authentication failed for user "app"', 'refused the password of user "app"'),
    ('extension "vector" is not available\nDETAIL:  Could not open extension control file',
     'the extension "vector" is not available on the server'),
    ("permission denied for schema public", "grant it CREATE on the database docs"),
])
def test_other_failures_name_the_index_and_the_fix(message, expected):
    url = f"postgresql://app:{PASSWORD}@db:5432/docs"
    said = str(explain_postgres(RuntimeError(message), url))
    assert said.startswith("index postgresql://app:***@db:5432/docs: ") and expected in said
    assert PASSWORD not in said and "\n" not in said
    assert redact(url) == "postgresql://app:***@db:5432/docs"


def test_a_missing_pgvector_extension_is_one_line_naming_the_index(tmp_path):
    from s3_ingest.core.index import open_index
    from s3_ingest.core.retrieval.chunk_run import chunk_partition
    from s3_ingest_tests.core.retrieval.fakes import HashingEmbedder, doc
    from s3_ingest_tests.postgres import fresh_database

    with fresh_database() as url:
        with open_index(url) as index:
            index.count()  # the schema, and whether vectors can be searched, are known now
            if not index.vector_search_unavailable:
                pytest.skip("this server has pgvector: semantic search works")
            index.upsert([doc("p/a.md", "# Kestrels\nKestrels hover.")])
            chunk_partition(index, "docs", "p/", HashingEmbedder())
        line = _one_line_error(run_cli("search", "kestrels", "--mode", "semantic", "--index",
                                       _with_password(url), cwd=tmp_path),
                               "the pgvector extension is not installed")
        assert "install e.g. postgresql-" in line


def _with_password(url: str) -> str:
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.split(':')[0]}:{PASSWORD}@{host}"))
