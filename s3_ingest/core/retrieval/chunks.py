"""The unit of retrieval: a passage of a document, with where it sits in it."""

from __future__ import annotations

from dataclasses import dataclass

from s3_ingest.core.index.vectors import text_hash


@dataclass(frozen=True, slots=True)
class Section:
    """A stretch of a document under one heading path (and on one page, for paged text)."""

    heading: str | None
    page: int | None
    text: str
    # Rows and records are whole units: split between them, never inside one.
    rows: bool = False


@dataclass(frozen=True, slots=True)
class Chunk:
    """One passage of a document, numbered from 0 in reading order."""

    key: str
    position: int
    text: str
    heading: str | None = None
    page: int | None = None

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)
