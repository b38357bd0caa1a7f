"""Writers at the same time lose nothing: threads and processes on one index, SQLite's lock
retries, and PostgreSQL writers whose shuffled batches never deadlock."""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest_tests.core.index.documents import make_doc
from s3_ingest_tests.core.index.fts_sync import assert_fts_in_sync
from s3_ingest_tests.core.index.psycopg_support import (
    PostgresIndex,
    needs_psycopg,
    postgres_module,
    psycopg,
)


def _write_keys(path: str, prefix: str, batches: int, per_batch: int, start=None) -> None:
    ix = SqliteIndex(path)
    try:
        ix.count()  # opened, schema in place
        if start is not None:
            start.wait(timeout=60)  # all writers begin together
        for b in range(batches):
            ix.upsert(
                [
                    make_doc(f"{prefix}/{b}/{i}", text=f"capybara {prefix} {b} {i}")
                    for i in range(per_batch)
                ]
            )
            # Reads interleaved with the other writers' transactions.
            ix.count()
    finally:
        ix.close()


def test_threads_writing_concurrently_lose_nothing(make_index) -> None:
    shared = make_index()
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(n: int) -> None:
        try:
            start.wait(timeout=30)
            for b in range(25):
                shared.upsert([make_doc(f"t{n}/{b}/{i}", text="capybara") for i in range(10)])
                shared.search("capybara", limit=3)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert shared.count() == 4 * 25 * 10
    assert len(shared.manifest("docs")) == 1000
    assert_fts_in_sync(shared)


def test_processes_writing_concurrently_lose_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "index.db")
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(3)
    procs = [
        ctx.Process(target=_write_keys, args=(path, f"proc{n}", 30, 20, start)) for n in range(2)
    ]
    for p in procs:
        p.start()
    # This process writes too, at the same time.
    _write_keys(path, "parent", 10, 20, start)
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    ix = SqliteIndex(path)
    try:
        assert ix.count() == 2 * 30 * 20 + 10 * 20
        manifest = ix.manifest("docs")
        assert {k for k in manifest if k.startswith("proc0/")} == {
            f"proc0/{b}/{i}" for b in range(30) for i in range(20)
        }
        assert len(ix.search("capybara proc1", limit=10_000)) == 30 * 20
        assert_fts_in_sync(ix)
    finally:
        ix.close()


def test_write_retries_beyond_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    ix = SqliteIndex(str(path), busy_timeout_s=0.05)
    ix.upsert([make_doc("first")])
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("UPDATE documents SET etag = 'x' WHERE key = 'first'")
    # Readers are not blocked by a writer in WAL mode, and do not see its uncommitted work.
    assert ix.count() == 1
    assert ix.manifest("docs")["first"].etag == make_doc("first").etag
    timer = threading.Timer(0.3, lambda: blocker.execute("COMMIT"))
    timer.start()
    try:
        # SQLite itself gives up after 50 ms; the retries with backoff outlast the lock.
        assert ix.upsert([make_doc("second")]) == 1
    finally:
        timer.join()
        blocker.close()
    assert ix.count() == 2
    ix.close()


def test_write_gives_up_when_the_lock_is_never_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from s3_ingest.core.index import sqlite as sqlite_module

    monkeypatch.setattr(sqlite_module, "_LOCK_BACKOFF_S", 0.001)
    path = tmp_path / "index.db"
    ix = SqliteIndex(str(path), busy_timeout_s=0.01)
    ix.count()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            ix.upsert([make_doc("a")])
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert ix.upsert([make_doc("a")]) == 1  # usable again once the lock is gone
    ix.close()


SHARED_KEYS = [f"shared/{i:03d}" for i in range(60)]
PG_BATCHES, PG_OWN_PER_BATCH = 12, 15


def _pg_writer(url: str, name: str, seed: int, start: Any = None) -> None:
    """Upserts batches that mix the writer's own partition with keys every writer also writes,
    each batch shuffled differently: unsorted, such batches deadlock against one another.
    Deadlock retries are off here, so a deadlock fails the writer instead of being absorbed."""
    postgres_module._WRITE_RETRIES = 0
    rng = random.Random(seed)
    ix = PostgresIndex(url)
    try:
        ix.count()
        if start is not None:
            start.wait(timeout=60)
        for b in range(PG_BATCHES):
            own = [
                make_doc(f"{name}/{b}/{i}", partition=name, text=f"capybara {name}")
                for i in range(PG_OWN_PER_BATCH)
            ]
            shared = [
                make_doc(key, partition="shared", text=f"shared by {name} batch {b}")
                for key in rng.sample(SHARED_KEYS, 40)
            ]
            batch = own + shared
            rng.shuffle(batch)
            ix.upsert(batch)
            ix.manifest("docs", partition=name)
            if b % 4 == 3:
                ix.delete("docs", [d.key for d in own[:2]])
                ix.record_failures("docs", name, [(d.key, "gone") for d in own[:2]])
    finally:
        ix.close()


@needs_psycopg
@pytest.mark.postgres
def test_postgres_parallel_writers_never_deadlock_and_lose_nothing(
    fresh_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fresh_postgres_url
    monkeypatch.setattr(postgres_module, "_WRITE_RETRIES", 0)
    PostgresIndex(url).close()  # schema in place before the clock starts
    deadlocks_before = _pg_deadlocks(url)
    ctx = multiprocessing.get_context("spawn")
    threads_n, procs_n = 4, 2
    start_procs = ctx.Barrier(procs_n + 1)
    procs = [
        ctx.Process(target=_pg_writer, args=(url, f"proc{n}", 100 + n, start_procs))
        for n in range(procs_n)
    ]
    for p in procs:
        p.start()
    errors: list[BaseException] = []
    start_threads = threading.Barrier(threads_n)

    def thread_writer(n: int) -> None:
        try:
            _pg_writer(url, f"thread{n}", n, start_threads)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=thread_writer, args=(n,)) for n in range(threads_n)]
    start_procs.wait(timeout=120)  # the processes are up: everyone starts now
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for p in procs:
        p.join(timeout=120)
    assert errors == []
    assert [p.exitcode for p in procs] == [0] * procs_n

    writers = [f"thread{n}" for n in range(threads_n)] + [f"proc{n}" for n in range(procs_n)]
    deleted_per_writer = (PG_BATCHES // 4) * 2
    ix = PostgresIndex(url)
    try:
        partitions = ix.partitions("docs")
        for name in writers:
            assert partitions[name] == PG_BATCHES * PG_OWN_PER_BATCH - deleted_per_writer, name
            manifest = ix.manifest("docs", partition=name)
            assert f"{name}/0/2" in manifest and f"{name}/3/0" not in manifest
        assert len(ix.failures("docs")) == len(writers) * 2
        shared = ix.manifest("docs", partition="shared")
        assert set(shared) <= set(SHARED_KEYS) and len(shared) >= 40
        assert ix.count() == sum(partitions.values())
        assert len(ix.search("capybara", limit=10_000)) == ix.count() - len(shared)
        assert_fts_in_sync(ix)
    finally:
        ix.close()
    assert _pg_deadlocks(url) == deadlocks_before


def _pg_deadlocks(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0
