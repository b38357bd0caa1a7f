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

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.index.base import DocumentIndex, ManifestEntry
from s3_ingest.core.plan.document_limit import LimitCount
from s3_ingest.core.plan.partition_changes import (
    DELETE, DROP, UPSERT, Change, PartitionChanges, object_version,
)
from s3_ingest.core.plan.partition_plan import PartitionPlan, ScanCounts
from s3_ingest.core.plan.plan_spill import SpillWriter
from s3_ingest.core.plan.selection import selector_for
from s3_ingest.core.s3.listing import _to_listed, iter_pages
from s3_ingest.core.s3.partition_keys import partition_of
from s3_ingest.core.sources.model import Source
from s3_ingest.core.stage_cpu import StageCpu


# Change detection: compare a listing with what the index holds for the same partition.
def is_changed(obj: ListedObject, entry: ManifestEntry | None) -> bool:
    """True when the object is new, or its etag, size, last-modified time or version differ."""
    if entry is None:
        return True
    if obj.restored and entry.archived:
        return True  # the same version, readable now: its text can be indexed at last
    if obj.etag != entry.etag or obj.size != entry.size:
        return True
    if obj.version_id and entry.version_id and obj.version_id != entry.version_id:
        return True
    return obj.last_modified != entry.last_modified


@dataclass
class ScanResult:
    after: str | None  # resume after this key next time; None: the pass is complete
    changes: dict[str, PartitionChanges] = field(default_factory=dict)
    counts: dict[str, ScanCounts] = field(default_factory=dict)
    partitions_seen: set[str] = field(default_factory=set)
    selected: int = 0  # selected keys from the start of the pass (for document_limit)
    listed: int = 0
    pages: int = 0
    new: int = 0
    modified: int = 0
    deleted: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds: list and diff
    spill_dir: Path | None = None  # where changes too many for a config go (plan_spill.py)
    source: str = ""

    @property
    def complete(self) -> bool:
        return self.after is None

    def plan(self, partition: str) -> PartitionPlan:
        """The run plan for a changed partition: its changed objects with their listing facts,
        or - too many to name - a listing of the partition."""
        return self.changes[partition].plan(partition, self.counts.get(partition))

    def digests(self) -> dict[str, str]:
        """partition -> a short hash of exactly the changes seen in it."""
        return {partition: changes.digest for partition, changes in self.changes.items()}


def _note(result: ScanResult, rel_path: str, change: Change) -> None:
    partition = partition_of(rel_path)
    changes = result.changes.get(partition)
    if changes is None:
        spill_to = (partial(SpillWriter, result.spill_dir, result.source, partition)
                    if result.spill_dir is not None else None)
        changes = result.changes[partition] = PartitionChanges(spill_to=spill_to)
    changes.add(change)


def _listed(obj: ListedObject) -> Change:
    version = object_version(obj.etag, obj.size, obj.last_modified, obj.version_id)
    if obj.restored:  # a restore is a change of its own: its run key must be new
        version += " restored"
    return Change(obj.key, UPSERT, version, obj.last_modified, obj)


def _compare(
    result: ScanResult,
    source: Source,
    objects: list[ListedObject],
    manifest: dict[str, ManifestEntry],
    selector: LimitCount,
) -> None:
    # The per-key loop of a scan (1,000,000 keys in the benchmark): names bound once.
    all_counts, pop, skip_reason = result.counts, manifest.pop, selector.skip_reason
    for obj in objects:
        partition = partition_of(obj.rel_path)
        counts = all_counts.get(partition)
        if counts is None:  # not setdefault: that would build a ScanCounts for every key
            counts = all_counts[partition] = ScanCounts()
            result.partitions_seen.add(partition)
        counts.listed += 1
        entry = pop(obj.key, None)
        reason = skip_reason(obj)
        if reason is not None:
            counts.skipped[reason] += 1
            if entry is not None:  # indexed once, no longer selected: dropped
                result.deleted += 1
                version = object_version(entry.etag, entry.size, entry.last_modified,
                                         entry.version_id)
                _note(result, obj.rel_path, Change(obj.key, DROP, f"{reason} {version}"))
            continue
        if entry is None:
            result.new += 1
            _note(result, obj.rel_path, _listed(obj))
        elif is_changed(obj, entry):
            result.modified += 1
            _note(result, obj.rel_path, _listed(obj))
        else:
            counts.unchanged += 1
    for key, gone in manifest.items():
        if not key.startswith(source.prefix):
            continue  # left over from an older prefix: housekeeping's to remove, not a partition's
        result.deleted += 1
        version = object_version(gone.etag, gone.size, gone.last_modified, gone.version_id)
        _note(result, key[len(source.prefix) :], Change(key, DELETE, version))


def scan_changes(
    client: Any,
    source: Source,
    index: DocumentIndex,
    *,
    after: str | None = None,
    selected_before: int = 0,
    budget_s: float = 20.0,
    page_size: int = 1000,
    clock: Callable[[], float] = time.monotonic,
    spill_dir: Path | None = None,
) -> ScanResult:
    """Scan the source's listing from `after` until it ends or `budget_s` is spent. With
    `spill_dir`, a partition's changes too many for a run's config are written there, so its
    run need not list it again (plan_spill.py); without, such a run lists its partition.

    Listing errors propagate (ClientError / BotoCoreError): a failed scan reports nothing, so
    nothing can be deleted on the strength of a partial listing.
    """
    deadline = clock() + budget_s
    selector = LimitCount(selector_for(source), source.document_limit, selected_before)
    result = ScanResult(after=after, spill_dir=spill_dir, source=source.name)
    cpu = StageCpu()
    try:
        _walk(client, source, index, result, selector, cpu, page_size, deadline, clock)
    finally:
        result.cpu = cpu.totals()
    return result


def _walk(
    client: Any, source: Source, index: DocumentIndex, result: ScanResult,
    selector: LimitCount, cpu: StageCpu, page_size: int, deadline: float,
    clock: Callable[[], float],
) -> None:
    previous = result.after
    pages = iter_pages(client, source.bucket, source.prefix, page_size=page_size,
                       start_after=previous)
    for page in cpu.timed(pages, "list"):
        result.pages += 1
        with cpu.stage("list"):
            objects = [_to_listed(entry, source.prefix) for entry in page.get("Contents", ())]
        result.listed += len(objects)
        last_page = not (page.get("IsTruncated") and page.get("NextContinuationToken"))
        upto = None if last_page else (objects[-1].key if objects else previous)
        with cpu.stage("diff"):
            manifest = index.manifest_range(source.name, previous, upto)
            _compare(result, source, objects, manifest, selector)
        result.selected = selector.selected
        if last_page:
            result.after = None
            return
        previous = upto
        result.after = upto
        if clock() >= deadline:
            return
    result.after = None
