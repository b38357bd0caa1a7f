"""Issue 19: an index that cannot search by meaning (PostgreSQL without pgvector) is named by
`sync` and `status` before anything else, not first by a search that fell back to keywords."""

from __future__ import annotations

import pytest

from s3_ingest.cli.sync_command import run_sync
from s3_ingest.core.index import open_index
from s3_ingest_tests.cli.test_main import run_cli, write_sources
from s3_ingest_tests.core.index.conftest import fresh_postgres_url  # noqa: F401 - fixture

NOTE = "note: the pgvector extension is not installed"


def has_pgvector(url: str) -> bool:
    with open_index(url) as index:
        index.count()
        return index.vector_search_unavailable is None


def sync_output(url, capsys) -> str:
    run_sync([], index_url=url, prefix=None, config={}, run_config_base={})
    return capsys.readouterr().err


def test_sync_and_status_say_up_front_that_vectors_cannot_be_searched(
        fresh_postgres_url, tmp_path, capsys):  # noqa: F811
    if has_pgvector(fresh_postgres_url):
        pytest.skip("this PostgreSQL server has pgvector: nothing to warn about here")
    assert sync_output(fresh_postgres_url, capsys).startswith(NOTE)
    sources = write_sources(tmp_path / "sources.yaml", "http://127.0.0.1:9", "b")
    status = run_cli("status", "--sources", str(sources), "--index", fresh_postgres_url,
                     cwd=tmp_path)
    assert status.stderr.startswith(NOTE), status.stderr
    assert "no re-embedding" in status.stderr


def test_with_pgvector_sync_says_nothing_of_it(fresh_postgres_url, capsys):  # noqa: F811
    if not has_pgvector(fresh_postgres_url):
        pytest.skip("this PostgreSQL server has no pgvector (Debian 12's archive lacks "
                    "postgresql-15-pgvector): the warning is tested instead")
    assert NOTE not in sync_output(fresh_postgres_url, capsys)


def test_sqlite_needs_no_warning(tmp_path, capsys):
    assert NOTE not in sync_output(str(tmp_path / "index.db"), capsys)
