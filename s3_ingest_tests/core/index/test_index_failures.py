"""`record_failures` on both backends: each partition's failed keys, replaced by its next run."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from s3_ingest.core.index import DocumentIndex


def test_record_failures_replaces_a_partitions_records(index: DocumentIndex) -> None:
    index.record_failures("docs", "p1", [("a", "timeout"), ("b", "access denied")])
    index.record_failures("docs", "p2", [("c", "gone")])
    index.record_failures("other", "p1", [("a", "elsewhere")])
    records = index.failures("docs")
    assert [(r.key, r.partition, r.reason) for r in records] == [
        ("a", "p1", "timeout"),
        ("b", "p1", "access denied"),
        ("c", "p2", "gone"),
    ]
    assert all(r.source == "docs" and r.failed_at.tzinfo is not None for r in records)
    assert abs(records[0].failed_at - datetime.now(timezone.utc)) < timedelta(minutes=5)
    assert [(r.source, r.key) for r in index.failures()] == [
        ("docs", "a"), ("docs", "b"), ("docs", "c"), ("other", "a")
    ]
    # A later run of p1: only b failed, with a new reason; a is gone, p2 untouched.
    index.record_failures("docs", "p1", [("b", "throttled")])
    assert [(r.key, r.reason) for r in index.failures("docs")] == [
        ("b", "throttled"), ("c", "gone")
    ]
    # A key moving to another partition keeps one record.
    index.record_failures("docs", "p3", [("c", "moved")])
    assert [(r.key, r.partition) for r in index.failures("docs")] == [("b", "p1"), ("c", "p3")]
    # A clean run clears the partition.
    index.record_failures("docs", "p1", [])
    assert [r.key for r in index.failures("docs")] == ["c"]
    assert index.failures("nobody") == []


def test_record_failures_of_only_some_keys(index: DocumentIndex) -> None:
    index.record_failures("docs", "p1", [("a", "timeout"), ("b", "denied"), ("c", "gone")])
    # A run that looked at a and b only: a is fine now, b failed again, c is left alone.
    index.record_failures("docs", "p1", [("b", "denied again")], only_keys=["a", "b"])
    assert [(r.key, r.reason) for r in index.failures("docs")] == [
        ("b", "denied again"), ("c", "gone")
    ]
    index.record_failures("docs", "p1", [], only_keys=["b"])
    assert [r.key for r in index.failures("docs")] == ["c"]


def test_record_failures_writes_nothing_when_nothing_failed_now_or_before(
    index: DocumentIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[object] = []
    real_write = index._write  # type: ignore[attr-defined]

    def spy(work):
        writes.append(work)
        return real_write(work)

    monkeypatch.setattr(index, "_write", spy)
    index.record_failures("docs", "p1", [])
    index.record_failures("docs", "p1", iter(()))
    assert writes == []
    index.record_failures("docs", "p1", [("a", "boom")])
    assert len(writes) == 1
    index.record_failures("docs", "p2", [])  # p2 never failed
    assert len(writes) == 1
    index.record_failures("docs", "p1", [])  # p1 did: its records are cleared
    assert len(writes) == 2
    assert index.failures() == []
