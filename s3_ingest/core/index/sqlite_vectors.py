"""Connections that can compare vectors: APSW (a current SQLite that loads extensions) with
sqlite-vec loaded, one per thread, reading the same WAL-mode file as the index's writers; and
the in-memory code scans (code_scan.py) of the models searched, one per model per process."""

from __future__ import annotations

import threading
from pathlib import Path
from collections.abc import Callable
from typing import Any, TypeVar

from s3_ingest.core.index.code_scan import CodeScan

T = TypeVar("T")
_MMAP_BYTES = 1 << 34


class VectorConnections:
    def __init__(self, path: Path, busy_timeout_s: float) -> None:
        self.path = path
        self.busy_timeout_ms = int(busy_timeout_s * 1000)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[Any] = []
        self._scans: dict[str, CodeScan] = {}
        self._scan_lock = threading.Lock()

    def get(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._lock:
                self._open.append(conn)
        return conn

    def _connect(self) -> Any:
        import apsw
        import sqlite_vec

        conn = apsw.Connection(str(self.path), flags=apsw.SQLITE_OPEN_READONLY)
        conn.set_busy_timeout(self.busy_timeout_ms)
        conn.enable_load_extension(True)
        conn.load_extension(sqlite_vec.loadable_path())
        conn.enable_load_extension(False)
        # Candidates' vectors are read from all over the file: mapped, a page costs no
        # system call (SQLite caps the size at what it was built for).
        conn.execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")
        return conn

    def rows(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        return list(self.get().execute(sql, params))

    def in_snapshot(self, work: Callable[[Any], T]) -> T:
        """`work(conn)` inside one read transaction: every statement it runs, and the code scan
        it refreshes, see the same state of the file."""
        conn = self.get()
        conn.execute("BEGIN")
        try:
            return work(conn)
        finally:
            conn.execute("COMMIT")

    def nearest(self, conn: Any, model: str, vector: bytes, n: int, shortlist: int,
                at_least: int = 0) -> tuple[list[int], int]:
        """The ids of about the `n` chunks of `model` whose codes are nearest `vector`
        (CodeScan.nearest), and how many codes there are, as `conn`'s transaction sees the
        file; no ids (and no scan) when there are fewer than `at_least`."""
        with self._scan_lock:  # a refresh replaces the arrays a scan reads
            scan = self._scans.setdefault(model, CodeScan(model))
            scan.refresh(conn)
            if len(scan) < at_least:
                return [], len(scan)
            return scan.nearest(vector, n, shortlist), len(scan)

    def warm(self, model: str) -> threading.Thread:
        """Load `model`'s codes in a thread of their own, so a process's first search finds
        them loaded, or waits only for the rest (a search then refreshes, as always). The
        thread's connection is its own and closed by it: closing the index never races it."""
        def load() -> None:
            try:
                conn = self._connect()
            except Exception:  # noqa: BLE001 - the search itself opens the file and reports
                return
            try:
                conn.execute("BEGIN")
                with self._scan_lock:
                    self._scans.setdefault(model, CodeScan(model)).refresh(conn)
                conn.execute("COMMIT")
            except Exception:  # noqa: BLE001 - the search itself loads the codes and reports
                pass
            finally:
                conn.close()

        thread = threading.Thread(target=load, name=f"codes {model}", daemon=True)
        thread.start()
        return thread

    def forget(self) -> None:
        """After a fork: drop, never close, the parent's connections."""
        self._local = threading.local()
        self._open = []
        self._scans = {}
        self._scan_lock = threading.Lock()  # another thread of the parent may have held it

    def close(self) -> None:
        with self._lock:
            connections, self._open = self._open, []
        for conn in connections:
            conn.close()
        self._local = threading.local()
