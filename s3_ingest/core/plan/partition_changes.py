"""What changed in one partition, as the sensors hand it to a run.

Every change names the object version it saw (etag, size, last-modified time, version id), and
the partition's digest - the run key's last word - is a hash of exactly those versions. So every
distinct state of a partition gets its own run key, while a repeated tick of the same state
gets the same one and Dagster does not run it twice. While changes are few, the keys themselves
ride along so a run can fetch just those instead of listing the partition again; past that, a
scan given a spill directory writes them to a file the run reads (plan_spill.py), so a run never
lists what its scan listed already.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.plan.partition_plan import DELETE, DROP, UPSERT, PartitionPlan, ScanCounts
from s3_ingest.core.plan.plan_spill import SpillWriter

# UPSERT, DELETE and DROP live with the plan (partition_plan.py); importers find them here too.
TARGETED_MAX_KEYS = 500  # above this many changes they go to a spill file, or the run lists
SPILL_MAX_KEYS = 1_000_000  # above this many even a spill file gives up: the run lists


@dataclass(frozen=True)
class Change:
    key: str
    kind: str  # UPSERT, DELETE or DROP
    version: str  # words naming the object version (or the event) this change is for
    changed_at: datetime | float | None = None  # when the bucket changed, where known
    obj: ListedObject | None = None  # what the listing said of it, when it was listed


def object_version(etag: str, size: int, last_modified: datetime | None,
                   version_id: str | None) -> str:
    stamp = last_modified.isoformat() if last_modified else ""
    return f"{etag} {size} {stamp} {version_id or ''}"


@dataclass
class PartitionChanges:
    hasher: Any = field(default_factory=hashlib.sha256)
    changes: list[Change] | None = field(default_factory=list)  # None: too many to name
    count: int = 0
    # Makes the spill file once the changes outgrow a run's config (None: the run lists).
    spill_to: Callable[[], SpillWriter] | None = None
    spill: SpillWriter | None = None

    def add(self, change: Change) -> None:
        self.count += 1
        self.hasher.update(
            f"{change.key}\0{change.kind} {change.version}\n".encode("utf-8", "surrogatepass")
        )
        if self.spill is not None:
            if self.count > SPILL_MAX_KEYS:
                self.spill.abandon()
                self.spill = None  # too many even for a file: the run lists the partition
            else:
                self.spill.write(change.kind, change.key, change.obj)
            return
        if self.changes is None:
            return
        if self.count > TARGETED_MAX_KEYS:
            if self.spill_to is not None:
                self.spill = self.spill_to()
                for earlier in [*self.changes, change]:
                    self.spill.write(earlier.kind, earlier.key, earlier.obj)
            self.changes = None  # too many for a config: spilled, or the run lists
            return
        self.changes.append(change)

    @property
    def targeted(self) -> bool:
        return self.changes is not None

    @property
    def upserts(self) -> list[str] | None:
        if self.changes is None:
            return None
        return sorted({c.key for c in self.changes if c.kind == UPSERT})

    @property
    def deletions(self) -> list[str] | None:
        """Keys whose last word is a deletion (a key put again after is an upsert)."""
        if self.changes is None:
            return None
        upserts = set(self.upserts or ())
        return sorted({c.key for c in self.changes if c.kind == DELETE} - upserts)

    def plan(self, partition: str, counts: ScanCounts | None = None) -> PartitionPlan:
        """A run plan naming these changes - too many to name, a listing of the partition. The
        last word on a key wins: a key deleted and then put again is an upsert (a scan's spill
        names each key once)."""
        if self.spill is not None:
            return PartitionPlan(partition, counts=counts or ScanCounts(),
                                 spill=self.spill.finish(self.digest), digest=self.digest)
        if self.changes is None:
            return PartitionPlan.list_whole(partition)
        last: dict[str, Change] = {}
        for change in self.changes:
            last[change.key] = change
        plan = PartitionPlan(partition, counts=counts or ScanCounts(), digest=self.digest)
        for key, change in sorted(last.items()):
            if change.kind == UPSERT and change.obj is not None:
                plan.objects.append(change.obj)
            elif change.kind == UPSERT:
                plan.keys.append(key)
            elif change.kind == DELETE:
                plan.deletions.append(key)
            else:
                plan.drops.append(key)
        return plan

    def abandon_spill(self) -> None:
        """A spill file begun and never made a plan of: removed."""
        if self.spill is not None and not self.spill.finished:
            self.spill.abandon()

    @property
    def digest(self) -> str:
        return self.hasher.hexdigest()[:16]

    def without(self, covered: Callable[[Change], bool]) -> PartitionChanges:
        """The changes left once those `covered` are taken out (all of them when not named)."""
        if self.changes is None:
            return self
        rest = PartitionChanges()
        for change in self.changes:
            if not covered(change):
                rest.add(change)
        return rest


def changes_by_partition(items: Iterable[tuple[str, Change]]) -> dict[str, PartitionChanges]:
    result: dict[str, PartitionChanges] = {}
    for partition, change in items:
        result.setdefault(partition, PartitionChanges()).add(change)
    return result
