"""The interface every index backend implements, and the small values it trades in."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from s3_ingest.core.documents import Document


@dataclass(slots=True, unsafe_hash=True)  # not frozen, for speed: see ListedObject
class ManifestEntry:
    """What the index knows of one indexed object: enough to tell whether it changed."""

    key: str
    etag: str
    size: int
    last_modified: datetime
    version_id: str | None = None
    # Stored from the listing alone because the object was archived: its text was never read.
    archived: bool = False


@dataclass(slots=True)
class PartitionSummary:
    """What the index holds of one partition: documents by status, and when it last wrote one."""

    partition: str
    by_status: dict[str, int]
    last_written: datetime | None


@dataclass(frozen=True, slots=True)
class FailureRecord:
    """An object the last run of its partition could not fetch, and why."""

    source: str
    key: str
    partition: str
    reason: str
    failed_at: datetime


@dataclass(frozen=True, slots=True)
class SearchFilters:
    source: str | None = None
    key_prefix: str | None = None
    partition: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = None
    # Issue 24: whose search this is (principals.Access); None searches everything (the CLI).
    access: Any = None


@dataclass(frozen=True, slots=True)
class SearchHit:
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
    # The type found in the bytes, which `content_type` filters read; content_type above is
    # the S3 header.
    detected_type: str | None = None


class DocumentIndex(ABC):
    """A document store with full-text search, keyed by (source, key).

    Writes are transactional: a batch lands whole or not at all, so a crash mid-run never leaves
    half a batch behind.
    """

    @abstractmethod
    def upsert(self, documents: Iterable[Document], document_limit: int | None = None) -> int:
        """Insert or replace documents in one transaction; returns how many were written. With
        `document_limit`, the same transaction then keeps only the first N keys of each source
        written (core/plan/document_limit.py): no reader ever sees more."""

    @abstractmethod
    def delete(self, source: str, keys: Iterable[str]) -> int:
        """Delete documents by key in one transaction; returns how many were removed."""

    @abstractmethod
    def delete_source(self, source: str, partition: str | None = None) -> int:
        """Delete every document of a source (or of one of its partitions)."""

    @abstractmethod
    def manifest(self, source: str, partition: str | None = None) -> dict[str, ManifestEntry]:
        """key -> ManifestEntry for a source, or one partition of it."""

    @abstractmethod
    def manifest_range(
        self, source: str, after: str | None, upto: str | None, partition: str | None = None
    ) -> dict[str, ManifestEntry]:
        """The manifest of a source's keys in (after, upto] (None leaves that end open),
        optionally of one partition only."""

    @abstractmethod
    def entries(self, source: str, keys: Iterable[str]) -> dict[str, ManifestEntry]:
        """The manifest entries of the given keys (those the index holds)."""

    @abstractmethod
    def partitions(self, source: str) -> dict[str, int]:
        """partition -> document count, for a source."""

    @abstractmethod
    def sources(self) -> dict[str, int]:
        """source -> document count, for every source with documents."""

    @abstractmethod
    def record_failures(
        self,
        source: str,
        partition: str,
        failures: Iterable[tuple[str, str]],
        only_keys: Iterable[str] | None = None,
    ) -> None:
        """Replace the failure records of a partition with (key, reason) pairs - or, with
        `only_keys`, only the records of those keys (a run that looked at just those keys)."""

    @abstractmethod
    def failures(self, source: str | None = None) -> list[FailureRecord]:
        """The recorded failures, overall or for a source."""

    @abstractmethod
    def not_indexed(self, source: str | None = None) -> list[tuple[str, str, str, str | None]]:
        """(source, key, status, reason) of every document stored without its text
        (metadata_only or failed), in source and key order."""

    @abstractmethod
    def count(self, source: str | None = None, partition: str | None = None) -> int:
        """How many documents the index holds, overall or for a source/partition."""

    @abstractmethod
    def nth_key(self, source: str, n: int) -> str | None:
        """The source's n-th key (1-based, code point order as S3 lists), None when it holds
        fewer: the index's document_limit cutoff."""

    @abstractmethod
    def partition_summaries(self, source: str) -> list[PartitionSummary]:
        """Each partition of the source: documents by status and the last time one was written."""

    @abstractmethod
    def counts_by_status(self, source: str | None = None) -> dict[str, int]:
        """status -> count, overall or for a source."""

    @abstractmethod
    def get(self, source: str, key: str) -> Document | None:
        """One document, or None."""

    @abstractmethod
    def search(
        self, query: str, filters: SearchFilters | None = None, limit: int = 10
    ) -> list[SearchHit]:
        """Ranked full-text hits (best first) with highlighted snippets."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""
