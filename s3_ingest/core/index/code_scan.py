"""The coarse step of SQLite's vector search (issue 19): one model's sign-bit codes
(sqlite_codes.py) held in memory, scanned by Hamming distance with NumPy, to pick the few
thousand chunks whose float32 vectors SQL then compares exactly.

Why in memory: at 1,000,000 chunks the codes are 48 MB; NumPy scans them in about 10 ms, where
a SQL scan of the same codes with sqlite-vec's `vec_distance_hamming` takes ~145 ms and a `vec0`
bit[384] KNN table ~500 ms (bench/retrieval.py, README "Vector storage and search").

It is a cache of the table, never a second source of truth: each search first reads the
table's newest seq and its deletion count in the same read transaction as the search itself,
loads only the codes added since, and reloads everything once enough deletions may have left
stale codes behind. A stale code costs at most a candidate slot: candidates are looked up in
`chunks` by id, with the search's filters, and ranked by their exact distance there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Reload all codes once this share of those held may have been deleted since the last load.
_STALE_SHARE = 0.2

if hasattr(np, "bitwise_count"):  # NumPy >= 2.0

    def _popcount(words: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.bitwise_count(words, out=out)

else:  # pragma: no cover - NumPy 1.26
    _BYTE_BITS = np.array([bin(b).count("1") for b in range(256)], dtype=np.uint8)

    def _popcount(words: np.ndarray, out: np.ndarray) -> np.ndarray:
        out[:] = _BYTE_BITS[words.view(np.uint8).reshape(-1, 8)].sum(axis=1, dtype=np.uint8)
        return out


class CodeScan:
    """One model's codes: chunk ids and the codes' 64-bit words, one array per word position
    (a column each, so a scan runs over contiguous memory)."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.ids = np.empty(0, dtype=np.int64)
        self.words: list[np.ndarray] = []
        self.seq = 0  # the newest chunk_codes.seq held
        self.deleted = -1  # chunk_codes_deleted.n when everything was last loaded

    def __len__(self) -> int:
        return len(self.ids)

    def refresh(self, conn: Any) -> None:
        """Bring the codes in step with the table, as `conn`'s read transaction sees it."""
        row = conn.execute("SELECT n FROM chunk_codes_deleted").fetchone()
        deleted = int(row[0]) if row else 0
        row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'chunk_codes'").fetchone()
        newest = int(row[0]) if row else 0
        stale = deleted - self.deleted > _STALE_SHARE * max(len(self), 1_000)
        if self.deleted < 0 or stale or newest < self.seq:
            self.ids, self.words, self.seq = np.empty(0, dtype=np.int64), [], 0
            self.deleted = deleted
        if newest > self.seq:
            self._load(conn, self.seq)
            self.seq = newest

    def _load(self, conn: Any, after: int) -> None:
        rows = conn.execute(
            "SELECT chunk_id, code FROM chunk_codes WHERE seq > ? AND model = ? ORDER BY seq",
            (after, self.model),
        ).fetchall()
        if not rows:
            return
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        codes = np.frombuffer(b"".join(r[1] for r in rows), dtype="<u8").reshape(len(rows), -1)
        if self.words and codes.shape[1] != len(self.words):
            raise ValueError(f"{self.model}: codes of two lengths in chunk_codes")
        if len(self.ids):
            # An id SQLite reused after deleting its old row: only the newest code counts.
            keep = ~np.isin(self.ids, ids)
            self.ids, self.words = self.ids[keep], [w[keep] for w in self.words]
        columns = [np.ascontiguousarray(codes[:, i]) for i in range(codes.shape[1])]
        self.ids = np.concatenate([self.ids, ids])
        self.words = [np.concatenate([w, c]) for w, c in zip(self.words, columns)] or columns

    def nearest(self, code: bytes, n: int) -> list[int]:
        """The ids of (at least, with ties, at most) the `n` codes nearest `code` by Hamming
        distance; all of them when `n` >= how many there are."""
        if n >= len(self.ids):
            return self.ids.tolist()
        query = np.frombuffer(code, dtype="<u8")
        if len(query) != len(self.words):
            raise ValueError(f"{self.model}: the query's code does not match the stored codes")
        distance = np.zeros(len(self.ids), dtype=np.uint16)
        scratch = np.empty(len(self.ids), dtype=np.uint64)
        counts = np.empty(len(self.ids), dtype=np.uint8)
        for column, word in zip(self.words, query):
            np.bitwise_xor(column, word, out=scratch)
            np.add(distance, _popcount(scratch, counts), out=distance)
        # A counting threshold rather than a sort: distances are small integers.
        cumulative = np.cumsum(np.bincount(distance, minlength=64 * len(query) + 1))
        limit = int(np.searchsorted(cumulative, n))
        inside = np.flatnonzero(distance < limit)
        ties = np.flatnonzero(distance == limit)[: n - len(inside)]
        return self.ids[np.concatenate([inside, ties])].tolist()
