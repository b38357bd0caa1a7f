"""ingest_partition when S3 fails: a listing failing midway or at once, a missing bucket, and
objects it may not read - nothing indexed is lost, failures are recorded and retried."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.s3.errors import SourceError
from s3_ingest.core.sync.ingest import IngestOptions, ingest_partition
from s3_ingest_tests.core.ingest_bucket import (
    BUCKET,
    ROOT,
    bucket,  # noqa: F401 - a fixture
    found,
    make_source,
    put,
    put_many,
)
from s3_ingest_tests.core.s3_requests import RequestCounter, Wrapped, client_error


def _failing_listing(s3: Any, fail_on_call: int, error: Exception) -> Callable[..., Any]:
    calls = {"n": 0}

    def list_objects_v2(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == fail_on_call:
            raise error
        return s3.list_objects_v2(**kwargs)

    return list_objects_v2


@pytest.mark.parametrize(
    "error",
    [
        client_error("SlowDown", 503, "ListObjectsV2"),
        EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"),
    ],
    ids=["client-error", "connection-error"],
)
def test_listing_failing_midway_deletes_nothing_and_keeps_fetched(
    s3: Any, bucket: str, index: SqliteIndex, error: Exception
) -> None:
    objects = {f"{c}.md": f"{c} original" for c in "abcdef"}
    put_many(s3, objects)
    source = make_source()
    options = IngestOptions(page_size=2)
    ingest_partition(s3, source, ROOT, index, options)
    assert index.count("docs") == 6

    put(s3, "a.md", "a rewritten armadillo")  # on page 1: fetched before the failure
    for key in ["c.md", "e.md", "f.md"]:  # on later pages: would be deletions
        s3.delete_object(Bucket=BUCKET, Key=key)

    # Call 1 is the document_limit walk for the cutoff, call 2 the run's first page.
    client = Wrapped(s3, list_objects_v2=_failing_listing(s3, 3, error))
    with pytest.raises(SourceError) as info:
        ingest_partition(client, source, ROOT, index, options)

    assert "'docs'" in str(info.value) and BUCKET in str(info.value)
    assert index.count("docs") == 6
    assert sorted(index.manifest("docs")) == sorted(objects)
    assert found(index, "armadillo") == ["a.md"]


def test_listing_failing_on_first_page_is_a_source_error(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put_many(s3, {"a.md": "x"})
    ingest_partition(s3, make_source(), ROOT, index)
    denied = client_error("AccessDenied", 403, "ListObjectsV2")
    client = Wrapped(s3, list_objects_v2=_failing_listing(s3, 1, denied))
    with pytest.raises(SourceError) as info:
        ingest_partition(client, make_source(), ROOT, index)
    assert info.value.status == 403
    assert "s3:ListBucket" in str(info.value)
    assert index.count("docs") == 1


def test_missing_bucket_is_a_source_error(s3: Any, index: SqliteIndex) -> None:
    with pytest.raises(SourceError) as info:
        ingest_partition(s3, make_source(), ROOT, index)
    assert info.value.status == 404
    assert BUCKET in str(info.value) and "'docs'" in str(info.value)


def test_per_object_access_denied_keeps_previous_version(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put_many(s3, {"a.md": "alpha", "b.md": "bravo beaver", "c.md": "charlie"})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)
    put(s3, "b.md", "bravo badger")
    put(s3, "c.md", "charlie cheetah")
    put(s3, "d.md", "delta dingo")
    denied = {"b.md", "d.md"}

    def get_object(**kwargs: Any) -> Any:
        if kwargs["Key"] in denied:
            raise ClientError(
                {"Error": {"Code": "AccessDenied"}, "ResponseMetadata": {"HTTPStatusCode": 403}},
                "GetObject",
            )
        return s3.get_object(**kwargs)

    report = ingest_partition(Wrapped(s3, get_object=get_object), source, ROOT, index)

    assert sorted(key for key, _ in report.failed) == ["b.md", "d.md"]
    assert all("access denied" in reason for _, reason in report.failed)
    assert report.indexed == 1
    assert report.deleted == 0
    assert found(index, "cheetah") == ["c.md"]
    assert found(index, "beaver") == ["b.md"]  # the previous version stays
    assert found(index, "badger") == []
    assert index.get("docs", "d.md") is None
    assert sorted((f.key, f.partition) for f in index.failures("docs")) == [
        ("b.md", ROOT),
        ("d.md", ROOT),
    ]

    # The failed object still differs from the index, so the next run tries it again.
    counter = RequestCounter(s3)
    report = ingest_partition(s3, source, ROOT, index)
    assert sorted(key for _, key in counter.keys) == ["b.md", "d.md"]
    assert report.failed == []
    assert found(index, "badger") == ["b.md"]
    assert found(index, "dingo") == ["d.md"]
    assert index.failures("docs") == []
