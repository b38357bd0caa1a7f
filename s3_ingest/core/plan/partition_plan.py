"""What one run of a partition is asked to do - the only input of the ingest executor.

Whatever starts a run (a sensor's scan, an S3 event, `s3-ingest sync`, a backfill, `full`), it
hands over a plan. Either the plan says "list the partition" (a backfill, `full`, too many
changes to name, a document limit that needs the whole order), or it names the objects:

- `objects`: changed objects with what the listing said of them (key, etag, size, last-modified,
  storage class, version id), so the run never has to guess - an archived object stays
  archived, a size stays a size;
- `keys`: keys an event named, with nothing listed: each is HEADed first, then treated as listed;
- `deletions`: keys found gone: each is confirmed with a HEAD (an event may be stale) and, if it
  exists after all, treated as listed;
- `drops`: indexed keys the scan saw listed but no longer selected (a skip reason): removed;
- `spill`: too many changes for a run's config - the scan wrote them to a file (plan_spill.py)
  named by their digest, and the run reads them from there in pages instead of listing again.

A run may cover several partitions (one run for many changes): its config maps each partition
to its plan, and a partition the map does not name lists itself (a backfill from the UI).

`counts` carries what the scan saw of the partition (listed, unchanged, skipped by reason), so a
run's report uses the same words, and true ones, in every mode.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from s3_ingest.core.documents import ListedObject


@dataclass
class ScanCounts:
    """What a scan saw of one partition, besides the changes it hands over."""

    listed: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def as_config(self) -> dict[str, Any]:
        return {"listed": self.listed, "unchanged": self.unchanged,
                "skipped": dict(sorted(self.skipped.items()))}

    @classmethod
    def from_config(cls, value: dict[str, Any] | None) -> ScanCounts:
        value = value or {}
        return cls(int(value.get("listed", 0)), int(value.get("unchanged", 0)),
                   Counter({k: int(v) for k, v in (value.get("skipped") or {}).items()}))


@dataclass
class PartitionPlan:
    partition: str
    objects: list[ListedObject] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)
    counts: ScanCounts = field(default_factory=ScanCounts)
    listing: bool = False  # list the partition whole instead
    spill: str | None = None  # the named changes are in this file (plan_spill.py)
    digest: str = ""  # names exactly the object versions the plan is for

    @classmethod
    def list_whole(cls, partition: str) -> PartitionPlan:
        return cls(partition, listing=True)

    @property
    def named(self) -> list[str]:
        """Every key the plan names."""
        return [o.key for o in self.objects] + self.keys + self.deletions + self.drops

    def as_config(self) -> dict[str, Any]:
        """What a run's config carries of this plan (the value of its partition's entry)."""
        if self.listing:
            return {"listing": True}
        if self.spill:
            return {"spill": self.spill, "digest": self.digest, "scan": self.counts.as_config()}
        return {"objects": [object_facts(o) for o in self.objects], "upserts": self.keys,
                "deletions": self.deletions, "drops": self.drops,
                "scan": self.counts.as_config()}


def object_facts(obj: ListedObject) -> dict[str, Any]:
    return {"key": obj.key, "etag": obj.etag, "size": obj.size,
            "last_modified": obj.last_modified.isoformat(),
            "storage_class": obj.storage_class, "version_id": obj.version_id or "",
            "restored": obj.restored}


def listed_from_facts(facts: dict[str, Any], prefix: str) -> ListedObject:
    key = facts["key"]
    return ListedObject(
        key=key, rel_path=key[len(prefix):], size=int(facts["size"]), etag=facts["etag"],
        last_modified=datetime.fromisoformat(facts["last_modified"]),
        storage_class=facts.get("storage_class") or "STANDARD",
        version_id=facts.get("version_id") or None, restored=bool(facts.get("restored")),
    )


def plan_from_config(partition: str, config: dict[str, Any] | None, prefix: str,
                     full: bool = False) -> PartitionPlan:
    """The plan a run's config carries for `partition` (None: not named, so it lists itself;
    and with `full` every partition lists). An entry that names nothing is a partition with
    nothing to do: it lies in the run's range between two that changed. A spill file that is
    gone (cleaned up, or the run is on another machine) means a listing: slower, never wrong."""
    if full or config is None or config.get("listing"):
        return PartitionPlan.list_whole(partition)
    counts = ScanCounts.from_config(config.get("scan"))
    if config.get("spill"):
        if not spill_readable(config["spill"], config.get("digest", "")):
            return PartitionPlan.list_whole(partition)
        return PartitionPlan(partition, counts=counts, spill=config["spill"],
                             digest=config.get("digest", ""))
    objects = [listed_from_facts(f, prefix) for f in config.get("objects") or ()]
    return PartitionPlan(
        partition, objects, list(config.get("upserts") or ()),
        list(config.get("deletions") or ()), list(config.get("drops") or ()), counts,
    )


# The kinds of change a plan carries (partition_changes.py makes them; a spill file stores them).
UPSERT, DELETE = "upsert", "delete"
DROP = "drop"  # indexed, still listed, but no longer selected (a skip reason)

SPILL_SUFFIX = ".plan.jsonl"  # a spilled plan's file name ends "-<digest>.plan.jsonl"


def spill_readable(path: str, digest: str) -> bool:
    """Whether the run can read its plan from `path`: there, and written for `digest`."""
    return (bool(digest) and Path(path).name.endswith(f"-{digest}{SPILL_SUFFIX}")
            and Path(path).is_file())
