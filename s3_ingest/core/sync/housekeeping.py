"""Remove what the configuration no longer covers - documents of sources that were removed, of
prefix partitions that were removed, and keys outside a source's (changed) prefix - planned
first, guarded like a run's deletions, then applied.

A planned removal is held back, with the reason said, when
- it is a removed partition whose prefix still has objects in the bucket, or whose bucket could
  not be listed: a partition missing from Dagster (deleted in the UI, or ingested by a sync on
  another instance) is no reason to lose documents of objects that exist;
- it would delete more than `max_delete_share` of the documents it is taken from (the source,
  or the partition), when that is `delete_guard_min` or more - the guard runs apply - unless
  forced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from s3_ingest.core.index.base import DocumentIndex
from s3_ingest.core.s3.errors import error_code
from s3_ingest.core.s3.partition_keys import decode_partition
from s3_ingest.core.sources.model import Source

REMOVED_SOURCE, REMOVED_PARTITION, OUTSIDE_PREFIX = "source", "partition", "outside prefix"
# Why a removal is held back: the first two are the bucket's say, the last the share guard's.
HELD_OBJECTS, HELD_UNLISTED, HELD_GUARD = "objects", "unlisted", "guard"

# partition -> whether its prefix has objects; raises when the bucket cannot say.
PrefixProbe = Callable[[Source, str], bool]


@dataclass(frozen=True)
class Removal:
    kind: str
    source: str
    count: int  # documents it deletes
    of: int  # documents of what it is taken from (the source, or the partition)
    partition: str | None = None
    keys: tuple[str, ...] = ()  # the exact keys, except for a whole removed source
    held: str | None = None  # HELD_* when it is kept
    why: str = ""

    @property
    def label(self) -> str:
        where = f" {self.partition}" if self.partition else ""
        return f"{self.kind} {self.source}{where}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "source": self.source, "partition": self.partition,
                "documents": self.count, "of": self.of, "held": self.held, "why": self.why}


@dataclass
class PrunePlan:
    removals: list[Removal] = field(default_factory=list)

    @property
    def to_delete(self) -> list[Removal]:
        return [r for r in self.removals if r.held is None]

    @property
    def held(self) -> list[Removal]:
        return [r for r in self.removals if r.held is not None]

    @property
    def total(self) -> int:
        return sum(r.count for r in self.to_delete)

    def kept_partitions(self) -> dict[str, list[str]]:
        """source -> partitions kept because their prefix still has objects."""
        kept: dict[str, list[str]] = {}
        for r in self.removals:
            if r.held == HELD_OBJECTS and r.partition is not None:
                kept.setdefault(r.source, []).append(r.partition)
        return kept


def partition_prefix(source: Source, partition: str) -> str:
    # The root partition's loose objects cannot be told from the folders' with one request, so
    # it is checked with the whole source prefix: any object at all keeps it.
    return source.prefix + decode_partition(partition)


def prefix_has_objects(client: Any, bucket: str, prefix: str) -> bool:
    answer = client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    return bool(answer.get("KeyCount") or answer.get("Contents"))


def _guard(removal: Removal, share: float, minimum: int, force: bool) -> Removal:
    if force or removal.count < minimum or removal.count <= share * removal.of:
        return removal
    why = (f"would delete {removal.count} of {removal.of} documents (more than {share:.0%}); "
           "force it if they really should go")
    return Removal(**{**removal.__dict__, "held": HELD_GUARD, "why": why})


def _partition_removal(source: Source, partition: str, keys: tuple[str, ...],
                       probe: PrefixProbe | None) -> Removal:
    removal = Removal(REMOVED_PARTITION, source.name, len(keys), len(keys), partition, keys)
    prefix = partition_prefix(source, partition)
    if probe is None:
        return Removal(**{**removal.__dict__, "held": HELD_UNLISTED,
                          "why": "the bucket was not checked"})
    try:
        has_objects = probe(source, partition)
    except Exception as exc:  # a listing error keeps: it cannot tell that the objects are gone
        reason = error_code(exc) or type(exc).__name__
        return Removal(**{**removal.__dict__, "held": HELD_UNLISTED,
                          "why": f"listing s3://{source.bucket}/{prefix} failed ({reason})"})
    if has_objects:
        return Removal(**{**removal.__dict__, "held": HELD_OBJECTS,
                          "why": f"s3://{source.bucket}/{prefix} still has objects"})
    return removal


def plan_prune(
    index: DocumentIndex,
    sources: Sequence[Source],
    registered_partitions: Mapping[str, set[str]] | None = None,
    probe: PrefixProbe | None = None,
    *,
    max_delete_share: float = 0.5,
    delete_guard_min: int = 10,
    force: bool = False,
) -> PrunePlan:
    """What pruning would delete, and what it keeps and why; deletes nothing.

    `registered_partitions` (source -> partition keys) comes from Dagster's dynamic partitions;
    without it, partitions are left alone. `probe` tells whether a partition's prefix still has
    objects.
    """
    plan = PrunePlan()
    configured = {source.name: source for source in sources}
    for name, count in index.sources().items():
        if name not in configured:
            plan.removals.append(Removal(REMOVED_SOURCE, name, count, count))
    for source in sources:
        manifest = index.manifest(source.name)
        if source.prefix:
            outside = tuple(sorted(k for k in manifest if not k.startswith(source.prefix)))
            if outside:
                plan.removals.append(
                    Removal(OUTSIDE_PREFIX, source.name, len(outside), len(manifest),
                            keys=outside))
        if registered_partitions is None or source.name not in registered_partitions:
            continue
        for partition in index.partitions(source.name):
            if partition in registered_partitions[source.name]:
                continue
            # Keys outside the prefix are the removal above's; this one takes the rest.
            keys = tuple(sorted(k for k in index.manifest(source.name, partition)
                                if k.startswith(source.prefix)))
            if keys:
                plan.removals.append(_partition_removal(source, partition, keys, probe))
    plan.removals = [
        r if r.held else _guard(r, max_delete_share, delete_guard_min, force)
        for r in plan.removals
    ]
    return plan


def apply_prune(index: DocumentIndex, plan: PrunePlan) -> dict[str, int]:
    """Delete what the plan deletes (never what it holds back): label -> documents deleted."""
    deleted: dict[str, int] = {}
    for removal in plan.to_delete:
        if removal.kind == REMOVED_SOURCE:
            deleted[removal.label] = index.delete_source(removal.source)
        else:
            deleted[removal.label] = index.delete(removal.source, removal.keys)
    return deleted
