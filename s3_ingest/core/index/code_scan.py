"""The coarse step of SQLite's vector search (issue 19): one model's sign-bit codes
(sqlite_codes.py) held in memory and scanned with NumPy - a shortlist by Hamming distance, then
a finer score of the shortlist from the same codes (the query's components summed over each
code's set bits) - to pick the few hundred chunks whose float32 vectors SQL then compares
exactly.

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
# A page of codes and their ids concatenated by SQLite itself, one value each: the first search
# of a process loads a million codes in a few hundred milliseconds, where a row per code
# through Python took seconds. Both aggregates read the same rows in the same order.
_PAGE = (
    "SELECT CAST(group_concat(code, '') AS BLOB), group_concat(chunk_id), count(*), max(seq) "
    "FROM (SELECT seq, chunk_id, code FROM chunk_codes WHERE seq > ? AND model = ? "
    "ORDER BY seq LIMIT ?)"
)
_PAGE_ROWS = 250_000

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
        pages: list[tuple[np.ndarray, np.ndarray]] = []
        while True:  # in pages, so no one value grows past SQLite's length limit
            codes, ids, count, last = conn.execute(_PAGE, (after, self.model, _PAGE_ROWS)).fetchone()
            if not count:
                break
            pages.append((np.fromstring(ids, dtype=np.int64, sep=","),
                          np.frombuffer(codes, dtype="<u8").reshape(count, -1)))
            after = last
        if not pages:
            return
        ids = np.concatenate([page[0] for page in pages])
        codes = np.concatenate([page[1] for page in pages])
        if self.words and codes.shape[1] != len(self.words):
            raise ValueError(f"{self.model}: codes of two lengths in chunk_codes")
        if len(self.ids):
            # An id SQLite reused after deleting its old row: only the newest code counts.
            keep = ~np.isin(self.ids, ids)
            self.ids, self.words = self.ids[keep], [w[keep] for w in self.words]
        columns = [np.ascontiguousarray(codes[:, i]) for i in range(codes.shape[1])]
        self.ids = np.concatenate([self.ids, ids])
        self.words = [np.concatenate([w, c]) for w, c in zip(self.words, columns)] or columns

    def nearest(self, vector: bytes, n: int, shortlist: int) -> list[int]:
        """The ids of (about) the `n` chunks nearest the float32 `vector`, in two steps over the
        codes: the `shortlist` nearest by Hamming distance to the vector's own code, then the
        `n` of those with the highest sum of the query's components over their set bits (an
        estimate of the dot product that keeps the query's magnitudes, where Hamming distance
        keeps only its signs). All ids when `n` >= how many there are."""
        from s3_ingest.core.index.vectors import sign_code  # core.retrieval imports index

        if n >= len(self.ids):
            return self.ids.tolist()
        query = np.frombuffer(vector, dtype="<f4")
        if (len(query) + 63) // 64 != len(self.words):
            raise ValueError(f"{self.model}: the query's length does not match the stored codes")
        near = self._hamming(np.frombuffer(sign_code(vector), dtype="<u8"), max(n, shortlist))
        codes = np.stack([column[near] for column in self.words], axis=1).view(np.uint8)
        table = _byte_table(query, codes.shape[1])
        score = table[np.arange(codes.shape[1]), codes].sum(axis=1)
        best = near if len(near) <= n else near[np.argpartition(-score, n)[:n]]
        return self.ids[best].tolist()

    def _hamming(self, query: np.ndarray, n: int) -> np.ndarray:
        """The positions of (at least, with ties, at most) the `n` codes nearest `query`."""
        if n >= len(self.ids):
            return np.arange(len(self.ids))
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
        return np.concatenate([inside, ties])


# Each byte value's 8 bits as 1.0 / 0.0, most significant first (np.packbits' order).
_BYTE_BITS_F = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).astype(np.float32)


def _byte_table(query: np.ndarray, n_bytes: int) -> np.ndarray:
    """For each code byte and each of its 256 values, the sum of the query's components at
    the set bits: a code's score is then one lookup per byte."""
    padded = np.zeros(n_bytes * 8, dtype=np.float32)
    padded[: len(query)] = query
    return padded.reshape(n_bytes, 8) @ _BYTE_BITS_F.T
