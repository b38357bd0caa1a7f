"""Connections that can compare vectors: APSW (a current SQLite that loads extensions) with
sqlite-vec loaded, one per thread, reading the same WAL-mode file as the index's writers."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any


class VectorConnections:
    def __init__(self, path: Path, busy_timeout_s: float) -> None:
        self.path = path
        self.busy_timeout_ms = int(busy_timeout_s * 1000)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[Any] = []

    def get(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            import apsw
            import sqlite_vec

            conn = apsw.Connection(str(self.path), flags=apsw.SQLITE_OPEN_READONLY)
            conn.set_busy_timeout(self.busy_timeout_ms)
            conn.enable_load_extension(True)
            conn.load_extension(sqlite_vec.loadable_path())
            conn.enable_load_extension(False)
            self._local.conn = conn
            with self._lock:
                self._open.append(conn)
        return conn

    def rows(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        return list(self.get().execute(sql, params))

    def forget(self) -> None:
        """After a fork: drop, never close, the parent's connections."""
        self._local = threading.local()
        self._open = []

    def close(self) -> None:
        with self._lock:
            connections, self._open = self._open, []
        for conn in connections:
            conn.close()
        self._local = threading.local()
