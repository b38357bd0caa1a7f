"""Find which partitions of a source changed, without a GET and within a time budget.

A scan walks the source's listing in key order, page by page, and compares each page with the
slice of the index's manifest that covers the same key range (new, modified and deleted keys all
show up in that comparison). When its time budget runs out it stops after a whole page and
returns where it stopped; the next scan resumes there with StartAfter. So a bucket of any size is
scanned across as many sensor ticks as it takes, each tick well inside Dagster's 60 s limit, and
the only state carried between ticks is one key.

Each changed partition comes with a digest of the changes seen in it, so a run asked for those
changes has a run key that differs from any earlier run's as soon as anything new changes; and,
while they are few, with the changed keys themselves, so its run fetches exactly those.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from s3_ingest.core.changes import is_changed
from s3_ingest.core.documents import ListedObject
from s3_ingest.core.index.base import DocumentIndex, ManifestEntry
from s3_ingest.core.ingest import selector_for
from s3_ingest.core.listing import _to_listed, iter_pages
from s3_ingest.core.partition_keys import partition_of
from s3_ingest.core.sources import Source


UPSERT, DELETE = "upsert", "delete"
TARGETED_MAX_KEYS = 500  # above this many changes a partition is re-listed whole by its run


@dataclass
class PartitionChanges:
    """What changed in one partition: a digest of every change seen, and - while there are few -
    the keys themselves, so a run can fetch just those instead of listing the partition again."""

    hasher: Any = field(default_factory=hashlib.sha256)
    upserts: list[str] | None = field(default_factory=list)
    deletions: list[str] | None = field(default_factory=list)
    count: int = 0

    def add(self, key: str, kind: str, token: str) -> None:
        self.count += 1
        self.hasher.update(f"{key}\0{token}\n".encode("utf-8", "surrogatepass"))
        if self.upserts is None or self.deletions is None:
            return
        if self.count > TARGETED_MAX_KEYS:
            self.upserts = self.deletions = None  # too many: the run lists the partition
            return
        (self.upserts if kind == UPSERT else self.deletions).append(key)

    @property
    def targeted(self) -> bool:
        return self.upserts is not None

    @property
    def digest(self) -> str:
        return self.hasher.hexdigest()[:16]


@dataclass
class ScanResult:
    after: str | None  # resume after this key next time; None: the pass is complete
    changes: dict[str, PartitionChanges] = field(default_factory=dict)
    partitions_seen: set[str] = field(default_factory=set)
    listed: int = 0
    pages: int = 0
    new: int = 0
    modified: int = 0
    deleted: int = 0

    @property
    def complete(self) -> bool:
        return self.after is None

    def digests(self) -> dict[str, str]:
        """partition -> a short hash of exactly the changes seen in it."""
        return {partition: changes.digest for partition, changes in self.changes.items()}


def _note(result: ScanResult, key: str, rel_path: str, kind: str, token: str) -> None:
    partition = partition_of(rel_path)
    result.changes.setdefault(partition, PartitionChanges()).add(key, kind, token)


def _compare(
    result: ScanResult,
    source: Source,
    objects: list[ListedObject],
    manifest: dict[str, ManifestEntry],
    selector: Any,
) -> None:
    for obj in objects:
        result.partitions_seen.add(partition_of(obj.rel_path))
        entry = manifest.pop(obj.key, None)
        if selector.skip_reason(obj) is not None:
            if entry is not None:  # indexed once, no longer selected: a deletion
                manifest[obj.key] = entry
            continue
        if entry is None:
            result.new += 1
            _note(result, obj.key, obj.rel_path, UPSERT, f"new {obj.etag}")
        elif is_changed(obj, entry):
            result.modified += 1
            _note(result, obj.key, obj.rel_path, UPSERT, f"modified {obj.etag} {obj.size}")
    for key in manifest:
        if not key.startswith(source.prefix):
            continue  # left over from an older prefix: housekeeping's to remove, not a partition's
        result.deleted += 1
        _note(result, key, key[len(source.prefix) :], DELETE, "deleted")


def scan_changes(
    client: Any,
    source: Source,
    index: DocumentIndex,
    *,
    after: str | None = None,
    budget_s: float = 20.0,
    page_size: int = 1000,
    clock: Callable[[], float] = time.monotonic,
) -> ScanResult:
    """Scan the source's listing from `after` until it ends or `budget_s` is spent.

    Listing errors propagate (ClientError / BotoCoreError): a failed scan reports nothing, so
    nothing can be deleted on the strength of a partial listing.
    """
    deadline = clock() + budget_s
    selector = selector_for(source)
    result = ScanResult(after=after)
    previous = after
    for page in iter_pages(
        client, source.bucket, source.prefix, page_size=page_size, start_after=after
    ):
        result.pages += 1
        objects = [_to_listed(entry, source.prefix) for entry in page.get("Contents", ())]
        result.listed += len(objects)
        last_page = not (page.get("IsTruncated") and page.get("NextContinuationToken"))
        upto = None if last_page else (objects[-1].key if objects else previous)
        manifest = index.manifest_range(source.name, previous, upto)
        _compare(result, source, objects, manifest, selector)
        if last_page:
            result.after = None
            return result
        previous = upto
        result.after = upto
        if clock() >= deadline:
            return result
    result.after = None
    return result
