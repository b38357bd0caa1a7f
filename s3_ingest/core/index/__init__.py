"""Index backends behind one interface: an embedded SQLite/FTS5 file by default, or PostgreSQL.

Stage 4 of 7 (sources, s3, extraction, index, plan, sync, retrieval): it may import itself, the
core's root modules (documents.py, stage_cpu.py) and the stages before it (sources/, s3/,
extraction/), never plan/, sync/, retrieval/, and never defs/, cli/, serve/ or component/
(s3_ingest_tests/test_layout.py).
"""

from s3_ingest.core.index.base import (
    DocumentIndex,
    FailureRecord,
    ManifestEntry,
    SearchFilters,
    SearchHit,
)

__all__ = [
    "DocumentIndex",
    "FailureRecord", "ManifestEntry", "SearchFilters", "SearchHit", "is_postgres_url",
    "open_index", "sqlite_path"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite index URL (`sqlite:///path` or a bare path); None for other URLs."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    return None if "://" in url else url


def is_postgres_url(url: str) -> bool:
    return url.startswith(POSTGRES_SCHEMES)


def open_index(url: str) -> DocumentIndex:
    """Open the index named by `url`: `sqlite:///path/to/index.db` or a bare file path, or
    `postgresql://user:password@host:5432/dbname` (also `postgres://`)."""
    if is_postgres_url(url):
        # Imported here: psycopg is only needed (and only has to be installed) for PostgreSQL.
        from s3_ingest.core.index.postgres import PostgresIndex

        return PostgresIndex(url)

    from s3_ingest.core.index.sqlite import SqliteIndex

    path = sqlite_path(url)
    if path is None:
        raise ValueError(f"unsupported index URL scheme: {url.split('://', 1)[0]}://")
    return SqliteIndex(path)
