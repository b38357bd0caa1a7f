"""Index fixtures over both backends: `index_url`, `make_index` and `index`, parametrised as
``[sqlite]`` (a file in the test's tmp dir) and ``[postgres]`` (a database created for the test
module on $S3_INGEST_TEST_POSTGRES_URL, emptied before each test; see s3_ingest_tests/postgres.py
for when these skip and when they fail); `postgres_index` and `fresh_postgres_url` for what only
PostgreSQL does.

Tests taking `index`, `make_index` or `index_url` run once per backend. Tests taking `tmp_path`
only are about what only the SQLite file has (WAL, reopening the file, its locking); tests taking
`fresh_postgres_url` or `postgres_index` are about PostgreSQL only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from s3_ingest.core.index import DocumentIndex, open_index
from s3_ingest_tests.core.index.psycopg_support import PostgresIndex
from s3_ingest_tests.postgres import empty_index_tables, fresh_database

# Failures inside the shared assertion helper read like failures in the test itself.
pytest.register_assert_rewrite("s3_ingest_tests.core.index.fts_sync")

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module")
def postgres_module_url() -> Iterator[str]:
    """One database per test module (creating one per test would cost more than the tests)."""
    with fresh_database() as url:
        yield url


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    """A database of the test's own, for tests that need one nobody has used yet."""
    with fresh_database() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def index_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return str(tmp_path / "index.db")
    url = request.getfixturevalue("postgres_module_url")
    empty_index_tables(url)
    return url


@pytest.fixture
def make_index(index_url: str) -> Iterator[Callable[[], DocumentIndex]]:
    """Opens (another) index on the test's URL; every one is closed after the test."""
    opened: list[DocumentIndex] = []

    def make() -> DocumentIndex:
        ix = open_index(index_url)
        opened.append(ix)
        return ix

    yield make
    for ix in opened:
        ix.close()


@pytest.fixture
def index(make_index: Callable[[], DocumentIndex]) -> DocumentIndex:
    return make_index()


@pytest.fixture
def postgres_index(postgres_module_url: str):
    """An empty PostgreSQL index (for tests about what only PostgreSQL does)."""
    empty_index_tables(postgres_module_url)
    ix = PostgresIndex(postgres_module_url)
    yield ix
    ix.close()
