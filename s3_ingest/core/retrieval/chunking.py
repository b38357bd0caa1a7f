"""Split a document into chunks of about 200-300 words that follow its structure.

Sections (sections.py) are never merged: a chunk lies under one heading path and on one page.
Inside a section, semantic-text-splitter cuts at the largest boundary that keeps the chunk
within the target (paragraphs, then lines, sentences, words), with a small overlap so a
sentence cut at a chunk's edge is whole in one of the two.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from semantic_text_splitter import TextSplitter

from s3_ingest.core.retrieval.chunks import Chunk, Section
from s3_ingest.core.retrieval.sections import kind_of, sections

TARGET_WORDS = (200, 300)
OVERLAP_WORDS = 30


def _words(text: str) -> int:
    return len(text.split())


@lru_cache(maxsize=4)
def _splitter(low: int, high: int, overlap: int) -> TextSplitter:
    return TextSplitter.from_callback(_words, (low, high), overlap=overlap)


def chunk_document(
    key: str,
    text: str | None,
    content_type: str | None = None,
    *,
    target: tuple[int, int] = TARGET_WORDS,
    overlap: int = OVERLAP_WORDS,
) -> list[Chunk]:
    """The chunks of one document's text, in reading order, numbered from 0."""
    if not text or not text.strip():
        return []
    chunks: list[Chunk] = []
    for section in sections(text, kind_of(key, content_type)):
        pieces = _rows(section, target[1]) if section.rows else _prose(section, target, overlap)
        for piece in pieces:
            chunks.append(Chunk(key, len(chunks), piece, section.heading, section.page))
    return chunks


def _prose(section: Section, target: tuple[int, int], overlap: int) -> Iterator[str]:
    yield from _splitter(target[0], target[1], overlap).chunks(section.text)


def _rows(section: Section, most: int) -> Iterator[str]:
    """Whole rows (lines) or records (blank-line separated) up to `most` words a chunk: a
    row is a unit, so rows never overlap and are never cut, unless one alone is too long."""
    separator = "\n\n" if "\n\n" in section.text else "\n"
    group: list[str] = []
    size = 0
    for unit in section.text.split(separator):
        words = _words(unit)
        if group and size + words > most:
            yield separator.join(group)
            group, size = [], 0
        if words > most:
            yield from _splitter(most // 2, most, 0).chunks(unit)
            continue
        group.append(unit)
        size += words
    if group:
        yield separator.join(group)


def embedding_text(chunk: Chunk) -> str:
    """What is embedded for a chunk: its heading path gives a short passage its subject."""
    return f"{chunk.heading}\n{chunk.text}" if chunk.heading else chunk.text
