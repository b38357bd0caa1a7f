"""How a chunks run publishes a partition's chunks in one transaction without holding them in
memory or holding the write lock while it embeds: a mix-in of `ChunkStore`.

Each embedded batch is written to `chunks_staged` under the run's token, one short
transaction a batch (SQLite's write lock is free while the next batch embeds, for the
documents asset writing to the same file). Readers search `chunks` only, so they see none of
it. At the end one transaction deletes the old chunks of every staged document and of the
deleted ones, moves the staged rows into `chunks` with INSERT ... SELECT (so SQLite's FTS
triggers and PostgreSQL's generated tsvector see ordinary inserts) and empties the partition's
stage.

A run that dies leaves its staged rows behind. They are not thrown away at once: their vectors
are what the next run would otherwise embed again, so `chunk_vectors` reuses them by text
hash (a crash late in a long run costs little), the next run replaces a document's stale rows
when it stages that document, and its publishing transaction clears whatever is left of the
partition's stage. Two runs of one partition at once stay safe: each document is staged and
replaced whole, so a run whose staged rows the other one cleared publishes fewer documents,
never half of one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any


CHUNK_FIELDS = (
    "source, key, partition, position, heading, page, text, text_hash, doc_hash, model, "
    "dimension, embedding, code"
)


@dataclass(frozen=True, slots=True)
class ChunkRow:
    """A chunk as stored: position, heading path, page, text, hashes, and its vector (float32
    little-endian bytes) with the model and dimension it came from."""

    key: str
    position: int
    heading: str | None
    page: int | None
    text: str
    text_hash: str
    doc_hash: str
    model: str | None
    dimension: int | None
    embedding: bytes | None


class ChunkStage:
    """Mixed into ChunkStore: uses SqlIndex's `_read`, `_write`, `_sql`, `_chunks` and
    `values`."""

    _read: Any
    _write: Any
    _sql: Any
    _chunks: Any
    values: Any
    _vector_param: Any
    _code_param: Any

    def _chunk_params(
        self, source: str, partition: str, documents: dict[str, Sequence[ChunkRow]]
    ) -> list[tuple[Any, ...]]:
        """The rows of `documents` as CHUNK_FIELDS parameters, in (key, position) order."""
        source_text, partition_text = self.values.text(source), self.values.text(partition)
        return [
            (source_text, self.values.text(r.key), partition_text, r.position,
             self.values.text(r.heading), r.page, self.values.text(r.text), r.text_hash,
             r.doc_hash, r.model, r.dimension, self._vector_param(r.embedding),
             self._code_param(r.embedding))
            for key in sorted(documents) for r in documents[key]
        ]  # fmt: skip

    def has_staged_chunks(self, source: str, partition: str) -> bool:
        """Whether the partition's stage holds rows (a run that died, or one running now)."""
        sql = self._sql("SELECT 1 FROM chunks_staged WHERE source = ? AND partition = ? LIMIT 1")
        params = (self.values.text(source), self.values.text(partition))
        return self._read(lambda c: c.execute(sql, params).fetchone()) is not None

    def stage_chunks(
        self, token: str, source: str, partition: str, documents: dict[str, Sequence[ChunkRow]]
    ) -> None:
        """In one short transaction: `documents`' new chunks join the stage under `token`, in
        place of any rows an earlier run left there for them. Nothing a reader sees changes."""
        source_text = self.values.text(source)
        keys = sorted(self.values.text(k) for k in documents)
        rows = self._chunk_params(source, partition, documents)
        insert = self._sql(
            f"INSERT INTO chunks_staged (token, {CHUNK_FIELDS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        )

        def work(conn: Any) -> None:
            for marks, part in self._chunks(keys):
                sql = self._sql(f"DELETE FROM chunks_staged WHERE source = ? AND key IN {marks}")
                conn.execute(sql, [source_text, *part])
            if rows:
                conn.cursor().executemany(insert, [(token, *row) for row in rows])

        if keys:
            self._write(work)

    def publish_staged_chunks(
        self,
        token: str,
        source: str,
        partition: str,
        deleted_keys: Iterable[str] = (),
        emptied_keys: Iterable[str] = (),
        read_at: datetime | None = None,
    ) -> int:
        """In one transaction: every document staged under `token` gets its staged chunks in
        place of its old ones, the chunks of `deleted_keys` and `emptied_keys` (documents left
        with no chunks) go, and the partition's stage is emptied. Returns how many chunks were
        deleted for `deleted_keys`."""
        source_text, partition_text = self.values.text(source), self.values.text(partition)
        emptied = sorted({self.values.text(k) for k in emptied_keys})
        gone = sorted({self.values.text(k) for k in deleted_keys})
        replace = self._sql(
            "DELETE FROM chunks WHERE source = ? AND key IN "
            "(SELECT key FROM chunks_staged WHERE token = ?)"
        )
        move = self._sql(
            f"INSERT INTO chunks ({CHUNK_FIELDS}) SELECT {CHUNK_FIELDS} FROM chunks_staged "
            "WHERE token = ? ORDER BY key, position"
        )
        clear = self._sql("DELETE FROM chunks_staged WHERE source = ? AND partition = ?")

        # Issue 19: a document written since the run read it (`read_at`) keeps no chunks cut
        # from the text it had then; it is left behind, for the next run, not stale.
        since = self._sql(
            "DELETE FROM chunks_staged WHERE token = ? AND key IN (SELECT key FROM documents "
            "WHERE source = ? AND partition = ? AND indexed_at > ?)"
        )

        # Every document of the partition is in step once this lands, but those written since
        # the run read them: they stay marked behind (chunk_coverage.py).
        in_step = self._sql(
            "DELETE FROM chunks_behind WHERE source = ? AND partition = ? AND key NOT IN "
            "(SELECT key FROM documents WHERE source = ? AND partition = ? AND indexed_at > ?)"
        )

        def work(conn: Any) -> int:
            if read_at is not None:
                conn.execute(since, (token, source_text, partition_text,
                                     self.values.time(read_at)))
            written_since = self.values.time(read_at) if read_at is not None else \
                self.values.time(datetime.max.replace(tzinfo=timezone.utc))
            conn.execute(in_step, (source_text, partition_text, source_text, partition_text,
                                   written_since))
            # Replaced documents first: a key that is both staged and gone (deleted after it
            # was read) counts as replaced, as its chunks went with the replacement.
            conn.execute(replace, (source_text, token))
            deleted = 0
            for keys, counting in ((emptied, False), (gone, True)):
                for marks, part in self._chunks(keys):
                    sql = self._sql(f"DELETE FROM chunks WHERE source = ? AND key IN {marks}")
                    count = conn.execute(sql, [source_text, *part]).rowcount
                    deleted += count if counting else 0
            conn.execute(move, (token,))
            conn.execute(clear, (source_text, partition_text))
            return deleted

        return self._write(work)
