"""Split a document into chunks that follow its structure and fit the embedding model.

Sections (sections.py) are never merged: a chunk lies under one heading path and on one page.
Inside a section, semantic-text-splitter cuts at the largest boundary that keeps the chunk
within the size (paragraphs, then lines, sentences, words), with a small overlap so a sentence
cut at a chunk's edge is whole in one of the two. The size is the model's window in its own
tokens when its tokenizer is known (chunk_size.py), heading line included, so nothing of a
chunk is left out of its vector; else 200-300 words.
"""

from __future__ import annotations

from collections.abc import Iterator

from s3_ingest.core.retrieval.chunk_size import (  # noqa: F401 - TARGET_WORDS re-exported
    OVERLAP_WORDS, TARGET_WORDS, TokenWindow, WordBudget,
)
from s3_ingest.core.retrieval.chunks import Chunk, Section
from s3_ingest.core.retrieval.sections import kind_of, sections

Size = WordBudget | TokenWindow


def chunk_document(
    key: str,
    text: str | None,
    content_type: str | None = None,
    *,
    size: Size | None = None,
) -> list[Chunk]:
    """The chunks of one document's text, in reading order, numbered from 0."""
    if not text or not text.strip():
        return []
    size = size or WordBudget()
    chunks: list[Chunk] = []
    for section in sections(text, kind_of(key, content_type)):
        heading = size.heading(section.heading)
        most = size.capacity(heading)
        pieces = _rows(section, most, size) if section.rows else size.splitter(most).chunks(
            section.text)
        for piece in pieces:
            for fitted in _fitted(piece, heading, most, size):
                chunks.append(Chunk(key, len(chunks), fitted, heading, section.page))
    return chunks


def _fitted(piece: str, heading: str | None, most: int, size: Size) -> Iterator[str]:
    """The piece, or its parts when its embedded text would still pass the window (a
    tokenizer need not count a joined text as the sum of its parts)."""
    if size.fits(embedding_text(Chunk("", 0, piece, heading))) or most <= 8:
        yield piece
        return
    for part in size.splitter(most * 7 // 8, overlap=False).chunks(piece):
        yield from _fitted(part, heading, most * 7 // 8, size)


def _rows(section: Section, most: int, size: Size) -> Iterator[str]:
    """Whole rows (lines) or records (blank-line separated) up to `most` a chunk: a row is a
    unit, so rows never overlap and are never cut, unless one alone is too long."""
    separator = "\n\n" if "\n\n" in section.text else "\n"
    units = section.text.split(separator)
    group: list[str] = []
    total = 0
    for unit, length in zip(units, size.sizes(units)):
        if group and total + length > most:
            yield separator.join(group)
            group, total = [], 0
        if length > most:
            yield from size.splitter(most, overlap=False).chunks(unit)
            continue
        group.append(unit)
        total += length
    if group:
        yield separator.join(group)


def embedding_text(chunk: Chunk) -> str:
    """What is embedded for a chunk: its heading path gives a short passage its subject."""
    return f"{chunk.heading}\n{chunk.text}" if chunk.heading else chunk.text
