"""ingest_partition's deletions: objects gone or newly excluded leave the index, and the delete
guard holds a mass deletion until forced."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.sync.ingest import DeleteGuardError, IngestOptions, ingest_partition
from s3_ingest_tests.core.ingest_bucket import (
    BUCKET,
    ROOT,
    bucket,  # noqa: F401 - a fixture
    found,
    make_source,
    put,
    put_many,
)
from s3_ingest_tests.core.s3_requests import Wrapped


def test_deleted_object_is_removed(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"a.md": "alpha", "b.md": "bravo ocelot", "c.md": "charlie"})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)
    s3.delete_object(Bucket=BUCKET, Key="b.md")

    report = ingest_partition(s3, source, ROOT, index)

    assert report.deleted == 1
    assert index.get("docs", "b.md") is None
    assert sorted(index.manifest("docs")) == ["a.md", "c.md"]
    assert found(index, "ocelot") == []


def test_newly_excluded_objects_are_removed(s3: Any, bucket: str, index: SqliteIndex) -> None:
    put_many(s3, {"g/a.md": "keep", "g/drafts/b.md": "draft one", "g/drafts/x/c.md": "draft two"})
    ingest_partition(s3, make_source(), "g/", index)
    assert index.count("docs") == 3

    report = ingest_partition(s3, make_source(exclude=["**/drafts/**"]), "g/", index)

    assert report.skipped == Counter({"excluded": 2})
    assert report.deleted == 2
    assert sorted(index.manifest("docs")) == ["g/a.md"]
    assert found(index, "draft") == []


def test_delete_guard_holds_mass_deletion_until_forced(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    keys = [f"{i:02d}.md" for i in range(12)]
    put_many(s3, {k: f"doc {k}" for k in keys})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)
    for key in keys[:10]:
        s3.delete_object(Bucket=BUCKET, Key=key)

    with pytest.raises(DeleteGuardError) as info:
        ingest_partition(s3, source, ROOT, index)
    assert "10 of 12" in str(info.value)
    assert "force_delete" in str(info.value)
    assert index.count("docs") == 12

    report = ingest_partition(s3, source, ROOT, index, IngestOptions(force_delete=True))
    assert report.deleted == 10
    assert sorted(index.manifest("docs")) == keys[10:]


def test_delete_guard_lets_small_deletions_through(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    keys = [f"{i:02d}.md" for i in range(12)]
    put_many(s3, {k: "x" for k in keys})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)
    for key in keys[:9]:  # fewer than delete_guard_min
        s3.delete_object(Bucket=BUCKET, Key=key)
    report = ingest_partition(s3, source, ROOT, index)
    assert report.deleted == 9
    assert index.count("docs") == 3


def test_object_deleted_between_list_and_get_is_a_deletion(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    put_many(s3, {"a.md": "alpha", "b.md": "bravo bison"})
    source = make_source()
    ingest_partition(s3, source, ROOT, index)
    put(s3, "b.md", "bravo changed")

    def delete_then_get(**kwargs: Any) -> Any:
        s3.delete_object(Bucket=kwargs["Bucket"], Key=kwargs["Key"])
        return s3.get_object(**kwargs)

    report = ingest_partition(Wrapped(s3, get_object=delete_then_get), source, ROOT, index)

    assert report.failed == []
    assert report.deleted == 1
    assert index.get("docs", "b.md") is None
    assert index.get("docs", "a.md") is not None
    assert found(index, "bison") == []


def test_objects_vanishing_on_a_first_run_do_not_trip_the_delete_guard(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    # Nothing is indexed yet, so nothing can be deleted: the guard has nothing to protect.
    put_many(s3, {f"{i:02d}.md": "x" for i in range(10)})

    def delete_then_get(**kwargs: Any) -> Any:
        s3.delete_object(Bucket=kwargs["Bucket"], Key=kwargs["Key"])
        return s3.get_object(**kwargs)

    report = ingest_partition(Wrapped(s3, get_object=delete_then_get), make_source(), ROOT, index)

    assert report.failed == []
    assert report.written == 0
    assert report.deleted == 0
    assert index.count("docs") == 0
