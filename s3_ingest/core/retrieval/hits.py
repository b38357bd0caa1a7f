"""What a retrieval search returns: chunks, or documents with their best chunk."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from s3_ingest.core.index.rows import utc


@dataclass(frozen=True, slots=True)
class ChunkHit:
    source: str
    bucket: str
    key: str
    title: str | None
    position: int
    heading: str | None
    page: int | None
    text: str
    content_type: str | None
    tags: dict[str, str]
    size: int
    last_modified: datetime
    score: float
    keyword_rank: int | None
    semantic_rank: int | None
    detected_type: str | None = None  # what filters read; content_type is the S3 header


@dataclass(frozen=True, slots=True)
class DocumentHit:
    """A document, ranked by its best chunk (whose heading, page and text it carries)."""

    source: str
    bucket: str
    key: str
    title: str | None
    score: float
    snippet: str
    content_type: str | None
    tags: dict[str, str]
    size: int
    last_modified: datetime
    chunk: ChunkHit | None
    detected_type: str | None = None  # what filters read; content_type is the S3 header


def chunk_hit(row: tuple[Any, ...]) -> ChunkHit:
    (source, bucket, key, title, position, heading, page, text, content_type, tags, size,
     modified, score, keyword_rank, semantic_rank, detected_type) = row  # fmt: skip
    if isinstance(tags, str):
        tags = json.loads(tags)
    if isinstance(modified, str):
        modified = datetime.fromisoformat(modified)
    return ChunkHit(source, bucket, key, title, int(position), heading,
                    None if page is None else int(page), text, content_type, dict(tags or {}),
                    int(size), utc(modified), float(score),
                    None if keyword_rank is None else int(keyword_rank),
                    None if semantic_rank is None else int(semantic_rank),
                    detected_type)  # fmt: skip


def without_chunk(hit: Any) -> DocumentHit:
    """A document search's hit (an index without chunks) in the shape of every other: the same
    fields, and `chunk` None."""
    return DocumentHit(hit.source, hit.bucket, hit.key, hit.title, hit.score, hit.snippet,
                       hit.content_type, hit.tags, hit.size, hit.last_modified, None,
                       hit.detected_type)


def snippet(text: str, words: int = 40) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def best_per_document(chunks: list[ChunkHit], limit: int) -> list[DocumentHit]:
    """Documents in the order of their best chunk; chunks arrive best first."""
    seen: dict[tuple[str, str], DocumentHit] = {}
    for hit in chunks:
        ident = (hit.source, hit.key)
        if ident in seen:
            continue
        seen[ident] = DocumentHit(hit.source, hit.bucket, hit.key, hit.title, hit.score,
                                  snippet(hit.text), hit.content_type, hit.tags, hit.size,
                                  hit.last_modified, hit, hit.detected_type)  # fmt: skip
        if len(seen) == limit:
            break
    return list(seen.values())
