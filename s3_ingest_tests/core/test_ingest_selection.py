"""What ingest_partition fetches: the document limit, the size limit, and unsupported or archived
objects stored as metadata only."""

from __future__ import annotations

from collections import Counter
from typing import Any

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.sync.ingest import ingest_partition
from s3_ingest_tests.core.ingest_bucket import (
    ROOT,
    bucket,  # noqa: F401 - a fixture
    found,
    make_source,
    put,
    put_many,
)
from s3_ingest_tests.core.s3_requests import RequestCounter, Wrapped


def test_document_limit_caps_selection(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {f"{i}.md": f"doc {i}" for i in range(5)})
    report = ingest_partition(s3, make_source(document_limit=3), ROOT, index)
    assert report.selected == 3
    assert report.skipped == Counter({"document_limit": 2})
    assert report.get_requests == 3
    assert index.count("docs") == 3


def test_document_limit_counts_other_partitions(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"a/1.md": "x", "a/2.md": "x", "b/1.md": "x", "b/2.md": "x", "b/3.md": "x"})
    source = make_source(document_limit=3)
    ingest_partition(s3, source, "a/", index)
    report = ingest_partition(s3, source, "b/", index)
    assert report.selected == 1
    assert report.skipped["document_limit"] == 2
    assert index.count("docs") == 3


def test_object_over_max_file_size_is_skipped_unfetched(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put_many(s3, {"small.md": "tiny", "big.md": "x" * 100})
    counter = RequestCounter(s3)
    report = ingest_partition(s3, make_source(max_file_size=50), ROOT, index)
    assert report.skipped == Counter({"too_large": 1})
    assert counter.keys == [("GET", "small.md")]
    assert index.get("docs", "big.md") is None


def test_object_that_grew_past_max_file_size_is_dropped(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    source = make_source(max_file_size=50)
    put_many(s3, {"a.md": "alpha", "b.md": "small"})
    ingest_partition(s3, source, ROOT, index)
    put(s3, "b.md", "y" * 500)

    report = ingest_partition(s3, source, ROOT, index)

    assert report.skipped["too_large"] == 1
    assert report.get_requests == 0
    assert index.get("docs", "b.md") is None
    assert index.get("docs", "a.md") is not None


def test_object_growing_between_list_and_get_is_too_large(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    source = make_source(max_file_size=50)
    put_many(s3, {"a.md": "alpha", "b.md": "small"})
    ingest_partition(s3, source, ROOT, index)
    put(s3, "b.md", "changed")

    def grow_then_get(**kwargs: Any) -> Any:
        put(s3, kwargs["Key"], "z" * 500)
        return s3.get_object(**kwargs)

    report = ingest_partition(Wrapped(s3, get_object=grow_then_get), source, ROOT, index)

    assert report.skipped["too_large"] == 1
    assert report.failed == []
    assert index.get("docs", "b.md") is None
    assert index.get("docs", "a.md") is not None


def test_unsupported_type_is_metadata_only_via_head(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put(
        s3,
        "img/photo.png",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        ContentType="image/png",
        Metadata={"camera": "x100"},
    )
    counter = RequestCounter(s3)
    report = ingest_partition(s3, make_source(), "img/", index)

    assert counter.counts == Counter({"HEAD": 1})
    assert counter.keys == [("HEAD", "img/photo.png")]
    assert report.head_requests == 1 and report.get_requests == 0
    assert report.metadata_only == 1 and report.indexed == 0
    assert report.bytes_fetched == 0
    doc = index.get("docs", "img/photo.png")
    assert doc is not None
    assert doc.status == "metadata_only"
    assert doc.reason is not None and doc.reason.startswith("unsupported type")
    assert ".png" in doc.reason
    assert doc.text is None
    assert doc.title == "photo.png"
    assert doc.content_type == "image/png"
    assert doc.metadata == {"camera": "x100"}
    assert doc.size == 108


def test_archived_object_is_metadata_only_without_get(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put(s3, "cold.md", "frozen penguin", StorageClass="GLACIER")
    put(s3, "deep.md", "deeper", StorageClass="DEEP_ARCHIVE")
    counter = RequestCounter(s3)
    report = ingest_partition(s3, make_source(), ROOT, index)

    assert counter.counts == Counter()
    assert report.get_requests == 0 and report.head_requests == 0
    assert report.skipped == Counter({"archived": 2})
    assert report.metadata_only == 2
    doc = index.get("docs", "cold.md")
    assert doc is not None
    assert doc.status == "metadata_only"
    assert doc.storage_class == "GLACIER"
    assert doc.reason is not None and "archived" in doc.reason and "GLACIER" in doc.reason
    assert doc.text is None
    assert found(index, "penguin") == []
