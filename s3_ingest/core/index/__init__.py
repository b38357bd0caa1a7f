"""Index backends behind one interface: an embedded SQLite/FTS5 file by default."""

from s3_ingest.core.index.base import (
    DocumentIndex,
    FailureRecord,
    ManifestEntry,
    SearchFilters,
    SearchHit,
)

__all__ = [
    "DocumentIndex",
    "FailureRecord", "ManifestEntry", "SearchFilters", "SearchHit", "open_index", "sqlite_path"]


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite index URL (`sqlite:///path` or a bare path); None for other URLs."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    return None if "://" in url else url


def open_index(url: str) -> DocumentIndex:
    """Open the index named by `url`: `sqlite:///path/to/index.db` or a bare file path."""
    from s3_ingest.core.index.sqlite import SqliteIndex

    path = sqlite_path(url)
    if path is None:
        raise ValueError(f"unsupported index URL scheme: {url.split('://', 1)[0]}://")
    return SqliteIndex(path)
