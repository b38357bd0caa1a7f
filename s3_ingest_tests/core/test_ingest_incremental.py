"""ingest_partition's later runs: only what changed is fetched again, unless the run is full."""

from __future__ import annotations

from collections import Counter
from typing import Any

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.sync.ingest import IngestOptions, ingest_partition
from s3_ingest_tests.core.ingest_bucket import (
    ROOT,
    bucket,  # noqa: F401 - a fixture
    found,
    make_source,
    put,
    put_many,
)
from s3_ingest_tests.core.s3_requests import RequestCounter


def test_unchanged_second_run_costs_no_request_and_no_write(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put_many(s3, {"a.md": "alpha", "b.txt": "bravo", "c.json": '{"x": "charlie"}'})
    put(s3, "pic.png", b"\x89PNG\r\n\x1a\n", ContentType="image/png")
    put(s3, "cold.md", "frozen", StorageClass="GLACIER")
    source = make_source()
    first = ingest_partition(s3, source, ROOT, index)
    assert first.written == 5
    assert (first.get_requests, first.head_requests) == (3, 1)

    counter = RequestCounter(s3)
    second = ingest_partition(s3, source, ROOT, index)

    assert counter.counts == Counter()
    assert second.get_requests == 0 and second.head_requests == 0
    assert second.written == 0
    assert second.unchanged == 5
    assert second.selected == 5
    assert second.deleted == 0
    assert second.fetched == 0
    assert index.count("docs") == 5


def test_modified_object_alone_is_refetched(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"a.md": "alpha aardvark", "b.md": "bravo", "c.md": "charlie"})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)
    assert found(index, "aardvark") == ["a.md"]

    put(s3, "a.md", "alpha pangolin")
    counter = RequestCounter(s3)
    report = ingest_partition(s3, source, ROOT, index)

    assert counter.counts == Counter({"GET": 1})
    assert counter.keys == [("GET", "a.md")]
    assert report.get_requests == 1
    assert report.indexed == 1 and report.unchanged == 2
    assert found(index, "pangolin") == ["a.md"]
    assert found(index, "aardvark") == []
    assert index.count("docs") == 3


def test_full_run_refetches_everything(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"a.md": "alpha", "b.md": "bravo", "c.md": "charlie"})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)

    counter = RequestCounter(s3)
    report = ingest_partition(s3, source, ROOT, index, IngestOptions(full=True))

    assert counter.counts == Counter({"GET": 3})
    assert report.get_requests == 3
    assert report.written == 3
    assert report.unchanged == 0
