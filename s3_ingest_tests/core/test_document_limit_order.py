"""document_limit is one rule whatever order partitions run in (a UI backfill runs them in any
order, or at once): the index ends with exactly the first N selected keys in key order, never
holds more at any moment a search could see, and the scan and the drift check then agree that
nothing is left to do (no flip-flop)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.plan.change_scan import scan_changes
from s3_ingest.core.plan.partition_plan import PartitionPlan
from s3_ingest.core.sync.ingest import ingest, ingest_partition
from s3_ingest.core.sync.reconcile import partition_drift
from s3_ingest_tests.core.ingest_bucket import (
    ROOT,
    bucket,  # noqa: F401 - a fixture
    make_source,
    put_many,
)

LIMIT = 3
OBJECTS = {"a/1.md": "a1", "a/2.md": "a2", "a0.md": "root", "b/1.md": "b1", "b/2.md": "b2",
           "c/1.md": "c1", "_x.txt": "skipped: not an .md"}
FIRST = ["a/1.md", "a/2.md", "a0.md"]  # the first three selected keys, in key order
PARTITIONS = ["a/", "b/", "c/", ROOT]


@pytest.fixture
def source():
    return make_source(document_limit=LIMIT, extensions=[".md"])


class Watched:
    """The index, with what a search sees checked inside the write path: right after every
    write commits, from another connection, while other writers may be at work."""

    def __init__(self, index: SqliteIndex, path: str) -> None:
        self.index, self.reader, self.seen = index, SqliteIndex(path), []
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.index, name)

    def upsert(self, documents: Any, **limit: Any) -> int:
        written = self.index.upsert(documents, **limit)
        with self.lock:
            self.seen.append(self.reader.count("docs"))
        return written


def in_step(s3: Any, source: Any, index: SqliteIndex) -> None:
    assert sorted(index.manifest("docs")) == FIRST
    scan = scan_changes(s3, source, index)
    assert scan.complete and not scan.changes, scan.changes
    for partition in PARTITIONS:
        assert partition_drift(s3, source, partition, index).in_step, partition


@pytest.mark.parametrize("order", [PARTITIONS[::-1], ["b/", ROOT, "c/", "a/"]])
def test_partitions_in_any_order_end_with_the_first_keys(s3, bucket, source, tmp_path, order):
    put_many(s3, OBJECTS)
    watched = Watched(SqliteIndex(tmp_path / "i.db"), str(tmp_path / "i.db"))
    for partition in order:
        ingest_partition(s3, source, partition, watched)
    in_step(s3, source, watched.index)
    assert watched.seen and max(watched.seen) <= LIMIT
    # Again, in the other order: nothing flips.
    for partition in order[::-1]:
        report = ingest_partition(s3, source, partition, watched.index)
        assert not report.deleted and not report.fetched, partition
    in_step(s3, source, watched.index)


def test_partitions_at_once_end_with_the_first_keys(s3, bucket, source, tmp_path):
    put_many(s3, OBJECTS)
    path = str(tmp_path / "i.db")
    watched = Watched(SqliteIndex(path), path)
    barrier = threading.Barrier(len(PARTITIONS))
    errors: list[BaseException] = []

    def run(partition: str) -> None:
        try:
            barrier.wait()
            ingest_partition(s3, source, partition, watched)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(p,)) for p in PARTITIONS[::-1]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    in_step(s3, source, watched.index)
    assert watched.seen and max(watched.seen) <= LIMIT


def test_a_later_key_displaces_what_a_stale_run_let_in(s3, bucket, source, tmp_path):
    """b/ runs first on an empty index, then a key before all of them appears and its event run
    (which lists nothing) writes it: the write itself drops the key that is now fourth."""
    put_many(s3, OBJECTS)
    index = SqliteIndex(tmp_path / "i.db")
    for partition in PARTITIONS:
        ingest_partition(s3, source, partition, index)
    put_many(s3, {"a/0.md": "new first"})
    ingest(s3, source, PartitionPlan("a/", keys=["a/0.md"]), index)
    assert sorted(index.manifest("docs")) == ["a/0.md", "a/1.md", "a/2.md"]
    scan = scan_changes(s3, source, index)
    assert not scan.changes, scan.changes
