"""A chunks run for one partition: cut its documents into chunks, embed what is new, store them.

Incremental by content hash: a document whose text hash and model match its stored chunks is
left alone (its chunks count as reused); a changed document is cut again and only chunks whose
text is new are embedded - the others keep their vectors. Chunks of documents that are gone (or
lost their text) are deleted. `full` re-embeds everything, which is how a model change lands:
vectors of two models are never mixed in one document, and search only compares vectors of the
query's model.

Documents are read a page at a time and embedded in batches; each batch is staged in the
index (chunk_stage.py), a short write that readers never see, and the run ends with one
transaction that puts every staged document's new chunks in place of its old ones and deletes
the chunks of deleted documents. Until then search sees the partition's old chunks only; a run
that fails leaves them all as they were, and the next run reuses the vectors it staged. Memory
is one page of documents and one batch of vectors, and no write lock is held while embedding.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from s3_ingest.core.index.chunk_stage import ChunkRow
from s3_ingest.core.index.vectors import text_hash
from s3_ingest.core.index.vectors import pack
from s3_ingest.core.retrieval.chunk_size import window_for
from s3_ingest.core.retrieval.chunking import chunk_document, embedding_text
from s3_ingest.core.retrieval.embedder import Embedder

BATCH_DOCUMENTS = 32


@dataclass
class ChunkReport:
    source: str
    partition: str
    model: str
    documents: int = 0
    documents_changed: int = 0
    written: int = 0
    reused: int = 0
    deleted: int = 0
    embedded: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0
    documents_deleted: list[str] = field(default_factory=list)

    @property
    def chunks_per_second(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Pending:
    """A changed document waiting for its batch: its chunks, and the vectors it can reuse."""

    chunks: list[Any]
    hashes: list[str]
    texts: list[str]
    doc_hash: str
    known: dict[str, bytes]


def chunk_partition(
    index: Any,
    source: str,
    partition: str,
    embedder: Embedder,
    *,
    full: bool = False,
    batch_documents: int = BATCH_DOCUMENTS,
    progress: Callable[[ChunkReport], None] | None = None,
) -> ChunkReport:
    started = time.perf_counter()
    read_at = datetime.now(timezone.utc)  # documents written after this are not published
    model, dimension = embedder.model, embedder.dimension
    report = ChunkReport(source, partition, model)
    states = index.chunk_states(source, partition)
    # Vectors a run that died staged are worth looking up even for documents without chunks.
    stale = index.has_staged_chunks(source, partition)
    token = uuid.uuid4().hex
    pending: dict[str, _Pending] = {}
    emptied: list[str] = []  # changed documents that now cut into no chunks at all
    sizes: list[Any] = []  # the embedder's window, read when a first document needs cutting
    # Chunks cut by another size rule (the word budget before chunks fit the model's window)
    # count as changed, so they are cut again to fit rather than kept too long.
    window = getattr(embedder, "max_tokens", None)
    rule = f"{window} tokens\n" if window else ""

    def flush() -> None:
        if pending:
            rows = _embed(pending, embedder, model, dimension, report)
            emptied.extend(key for key, chunks in rows.items() if not chunks)
            index.stage_chunks(token, source, partition, rows)
            pending.clear()

    for key, content_type, _title, text in index.document_texts(source, partition):
        if not text or not text.strip():
            continue  # metadata-only documents have nothing to chunk: orphan_chunk_keys
        report.documents += 1
        doc_hash = text_hash(rule + text)
        state = states.get(key)
        if not full and state and state.doc_hash == doc_hash and state.model == model:
            report.reused += state.chunks
            continue
        report.documents_changed += 1
        sizes = sizes or [window_for(embedder)]
        chunks = chunk_document(key, text, content_type, size=sizes[0])
        texts = [embedding_text(chunk) for chunk in chunks]
        known = index.chunk_vectors(source, key, model) if (state or stale) and not full else {}
        pending[key] = _Pending(chunks, [text_hash(t) for t in texts], texts, doc_hash, known)
        if len(pending) >= batch_documents:
            flush()
            if progress:
                progress(report)
    flush()
    gone = index.orphan_chunk_keys(source, partition)
    report.documents_deleted = gone
    # Published even when nothing changed: the same transaction clears the partition's
    # behind markers (chunk_coverage.py), which a document with nothing to cut may have set.
    report.deleted += index.publish_staged_chunks(token, source, partition, gone, emptied,
                                                  read_at=read_at)
    report.seconds = time.perf_counter() - started
    return report


def _embed(
    pending: dict[str, _Pending], embedder: Embedder, model: str, dimension: int,
    report: ChunkReport,
) -> dict[str, list[ChunkRow]]:
    """One embedder call for the batch's new chunk texts; rows for every pending document."""
    missing: dict[str, str] = {}
    for doc in pending.values():
        for h, t in zip(doc.hashes, doc.texts):
            if h not in doc.known:
                missing.setdefault(h, t)
    fresh: dict[str, bytes] = {}
    if missing:
        began = time.perf_counter()
        vectors = embedder.embed(list(missing.values()))
        report.embed_seconds += time.perf_counter() - began
        report.embedded += len(missing)
        fresh = {h: pack(v) for h, v in zip(missing, vectors)}
    rows: dict[str, list[ChunkRow]] = {}
    for key, doc in pending.items():
        report.written += len(doc.chunks)
        report.reused += sum(1 for h in doc.hashes if h in doc.known)
        rows[key] = [
            ChunkRow(key, c.position, c.heading, c.page, c.text, h, doc.doc_hash, model,
                     dimension, doc.known.get(h) or fresh[h])
            for c, h in zip(doc.chunks, doc.hashes)
        ]
    return rows
