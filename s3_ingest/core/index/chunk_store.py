"""Chunks and their embeddings, stored beside the documents they are cut from (schema v2),
written once for every SQL backend as a mix-in of `SqlIndex`.

A chunk row carries the hash of its document's text (`doc_hash`), so a chunks run can tell
which documents changed without reading their old chunks, and the hash of what was embedded
(`text_hash`), so a changed document's unchanged passages keep their vectors. A chunks run
stages its batches and publishes them in one transaction (chunk_stage.py), the only way
chunks are written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from s3_ingest.core.index.chunk_coverage import ChunkCoverage
from s3_ingest.core.index.chunk_stage import ChunkStage

# Documents per page when a chunks run walks a partition: memory stays one page, whatever
# the partition holds.
_PAGE = 200


@dataclass(frozen=True, slots=True)
class ChunkState:
    """What the chunks of one document were made from: its text hash and their model."""

    doc_hash: str
    model: str | None
    chunks: int


class ChunkStore(ChunkCoverage, ChunkStage):
    """Mixed into SqlIndex: uses its `_read`, `_write`, `_sql`, `_chunks` and `values`."""

    def search_chunks(
        self,
        query: str | None,
        vector: bytes | None,
        model: str | None,
        filters: Any = None,
        *,
        limit: int = 10,
        depth: int = 100,
        rrf_k: int = 60,
    ) -> list[tuple[Any, ...]]:
        """Chunks ranked by keyword (`query`), by vector (`vector` of `model`) or both fused
        with reciprocal rank fusion: HIT_COLUMNS, score, keyword rank, semantic rank. How a
        database ranks is its backend's `_search_chunks`."""
        return self._search_chunks(query, vector, model, filters, limit, depth, rrf_k)

    _search_chunks: Any

    def warm_vector_search(self, model: str) -> None:
        """Prepare a vector search of `model` in the background; nothing to prepare here."""

    _read: Any
    _write: Any
    _sql: Any
    _chunks: Any
    values: Any

    def _vector_param(self, blob: bytes | None) -> Any:
        """How this backend stores a vector (SQLite: the bytes as they are)."""
        return blob

    def _code_param(self, blob: bytes | None) -> bytes | None:
        """The vector's sign-bit code for `chunks.code` (schema v4), or None where the backend
        does not scan codes."""
        from s3_ingest.core.index.vectors import sign_code

        return None if blob is None else sign_code(blob)

    def _vector_value(self, stored: Any) -> bytes | None:
        return None if stored is None else bytes(stored)

    def document_texts(
        self, source: str, partition: str
    ) -> Iterator[tuple[str, str | None, str | None, str | None]]:
        """(key, content_type, title, text) of a partition's documents, in key order, a page
        at a time."""
        after = ""
        sql = self._sql(
            "SELECT key, content_type, title, text FROM documents WHERE source = ? "
            "AND partition = ? AND key > ? ORDER BY key LIMIT ?"
        )
        params = (self.values.text(source), self.values.text(partition))
        while True:
            rows = self._read(lambda c: c.execute(sql, (*params, after, _PAGE)).fetchall())
            yield from rows
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]

    def partition_chunks(self, source: str, partition: str) -> Iterator[tuple[Any, ...]]:
        """(key, position, heading, page, text, model, dimension, embedding bytes) of a
        partition's chunks in (key, position) order, a page at a time."""
        sql = self._sql(
            "SELECT key, position, heading, page, text, model, dimension, embedding FROM chunks "
            "WHERE source = ? AND partition = ? AND (key > ? OR (key = ? AND position > ?)) "
            "ORDER BY key, position LIMIT ?"
        )
        params = (self.values.text(source), self.values.text(partition))
        after: tuple[str, int] = ("", -1)
        while True:
            rows = self._read(
                lambda c: c.execute(sql, (*params, after[0], after[0], after[1], _PAGE)).fetchall()
            )
            for row in rows:
                yield (*row[:7], self._vector_value(row[7]))
            if len(rows) < _PAGE:
                return
            after = (rows[-1][0], rows[-1][1])

    def chunk_states(self, source: str, partition: str) -> dict[str, ChunkState]:
        """key -> ChunkState for every document of the partition that has chunks."""
        sql = self._sql(
            "SELECT key, min(doc_hash), min(model), max(model), count(*) FROM chunks "
            "WHERE source = ? AND partition = ? GROUP BY key"
        )
        params = (self.values.text(source), self.values.text(partition))
        rows = self._read(lambda c: c.execute(sql, params).fetchall())
        # A document whose chunks carry two models (never written so, but possible after a
        # crash of an old version) reads as model None: it is re-embedded.
        return {
            key: ChunkState(doc_hash, low if low == high else None, int(n))
            for key, doc_hash, low, high, n in rows
        }

    def chunk_vectors(self, source: str, key: str, model: str) -> dict[str, bytes]:
        """text_hash -> vector of a document's chunks embedded with `model`: its stored ones,
        and those a chunks run staged for it (chunk_stage.py: what a run that died embedded)."""
        sql = self._sql(
            "SELECT text_hash, embedding FROM chunks WHERE source = ? AND key = ? AND model = ? "
            "UNION ALL SELECT text_hash, embedding FROM chunks_staged "
            "WHERE source = ? AND key = ? AND model = ?"
        )
        params = (self.values.text(source), self.values.text(key), model) * 2
        rows = self._read(lambda c: c.execute(sql, params).fetchall())
        return {h: v for h, e in rows if (v := self._vector_value(e)) is not None}

    def orphan_chunk_keys(self, source: str, partition: str) -> list[str]:
        """Keys with chunks in the partition whose document is gone, moved or has no text."""
        sql = self._sql(
            "SELECT DISTINCT c.key FROM chunks AS c LEFT JOIN documents AS d "
            "ON d.source = c.source AND d.key = c.key AND d.partition = c.partition "
            "WHERE c.source = ? AND c.partition = ? AND (d.key IS NULL OR d.text IS NULL)"
        )
        params = (self.values.text(source), self.values.text(partition))
        return sorted(k for (k,) in self._read(lambda c: c.execute(sql, params).fetchall()))

    def chunk_count(self, source: str | None = None, partition: str | None = None) -> int:
        clauses, params = [], []
        for column, value in (("source", source), ("partition", partition)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(self.values.text(value))
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        sql = self._sql(f"SELECT count(*) FROM chunks {where}")
        row = self._read(lambda c: c.execute(sql, params).fetchone())
        return int(row[0]) if row else 0

    def has_chunks(self) -> bool:
        """Whether the index holds any chunk: one row read, where `chunk_count` reads them all
        (issue 19: a search asks this every time)."""
        row = self._read(lambda c: c.execute("SELECT 1 FROM chunks LIMIT 1").fetchone())
        return row is not None

    def chunk_model_names(self) -> list[str]:
        """The models whose vectors the index holds, one index seek per model (a loose scan
        of `chunks_model`), where `chunk_models` counts every chunk."""
        sql = (
            "WITH RECURSIVE m(model) AS (SELECT min(model) FROM chunks UNION ALL "
            "SELECT (SELECT min(model) FROM chunks WHERE model > m.model) FROM m "
            "WHERE m.model IS NOT NULL) SELECT model FROM m WHERE model IS NOT NULL"
        )
        return [model for (model,) in self._read(lambda c: c.execute(sql).fetchall())]

    def chunk_models(self) -> dict[str, int]:
        """model -> how many chunks carry its vectors (None: chunks not embedded)."""
        sql = "SELECT model, count(*) FROM chunks GROUP BY model"
        rows = self._read(lambda c: c.execute(sql).fetchall())
        return {model: int(n) for model, n in rows}
