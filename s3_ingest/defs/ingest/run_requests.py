"""The runs a sensor asks for when it finds changes: one run for the changed partitions of a
source, not one per partition (issue 23).

Each run covers a range of partitions (core/plan/partition_ranges.py) and its config maps each of
them to its plan; Dagster records a materialization for every partition of the range, each
with its own metadata. Why a range run and not an asset backfill or a single-run backfill
policy: a backfill goes through the backfill daemon (another loop to wait for), carries no run
config (so no plans: every partition would list itself again) and no run key; a range run is an
ordinary run of the source's sync job, queued under the source's tag and pool like any other,
its run key naming the object versions it is for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dagster import DagsterInstance, DynamicPartitionsDefinition, RunRequest
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from s3_ingest.core.plan.partition_changes import PartitionChanges
from s3_ingest.core.plan.partition_plan import PartitionPlan, ScanCounts
from s3_ingest.core.plan.partition_ranges import partition_ranges
from s3_ingest.core.plan.plan_spill import default_plan_directory
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import source_id
from s3_ingest.defs.ingest.config import plans_run_config
from s3_ingest.defs.ingest.partitions import SOURCE_TAG
from s3_ingest.defs.ingest.run_keys import CHANGE_TAG


def plan_directory(instance: DagsterInstance) -> Path:
    """Where a scan spills plans too large for a run's config: beside the instance's storage,
    where its runs (on this machine) find them."""
    try:
        return Path(instance.root_directory) / "s3_ingest_plans"
    except Exception:  # an instance without a directory of its own
        return default_plan_directory()


def abandon_spills(changes: Iterable[PartitionChanges]) -> None:
    """Spill files begun for changes no run was asked for (covered, or not now) go."""
    for found in changes:
        found.abandon_spill()


def partition_order(instance: DagsterInstance, partitions_def: DynamicPartitionsDefinition,
                    adding: Sequence[str] = ()) -> list[str]:
    """The source's partitions in Dagster's order, with those being added at the end (a
    sensor's partition requests are applied before its runs are)."""
    assert partitions_def.name is not None
    known = list(instance.get_dynamic_partitions(partitions_def.name))
    present = set(known)
    return known + sorted(p for p in set(adding) if p not in present)


def range_label(partitions: Sequence[str]) -> str:
    return partitions[0] if len(partitions) == 1 else f"{partitions[0]}..{partitions[-1]}"


def range_tags(partitions: Sequence[str]) -> dict[str, str]:
    """The tags that make a run cover these partitions (the first and last of a range)."""
    return {ASSET_PARTITION_RANGE_START_TAG: partitions[0],
            ASSET_PARTITION_RANGE_END_TAG: partitions[-1]}


def combined_digest(changes: Mapping[str, PartitionChanges]) -> str:
    """One partition's digest, or a hash of each changed partition's: names every version."""
    if len(changes) == 1:
        return next(iter(changes.values())).digest
    hasher = hashlib.sha256()
    for partition, found in sorted(changes.items()):
        hasher.update(f"{partition}\0{found.digest}\n".encode("utf-8", "surrogatepass"))
    return hasher.hexdigest()[:16]


def range_plans(partitions: Sequence[str], changes: Mapping[str, PartitionChanges],
                counts: Mapping[str, ScanCounts]) -> list[PartitionPlan]:
    """Each partition's plan; one that did not change, between two that did, has nothing to do."""
    return [changes[p].plan(p, counts.get(p)) if p in changes
            else PartitionPlan(p, counts=counts.get(p) or ScanCounts())
            for p in partitions]


def change_run_request(
    source: Source, op_name: str, partitions: Sequence[str], plans: list[PartitionPlan],
    run_key: str, change: str, trigger: str,
) -> RunRequest:
    """One run of the source's sync job for these partitions and their plans."""
    tags: dict[str, Any] = {"s3_ingest/trigger": trigger, SOURCE_TAG: source_id(source),
                            CHANGE_TAG: change}
    single = len(partitions) == 1
    return RunRequest(
        run_key=run_key,
        partition_key=partitions[0] if single else None,
        run_config=plans_run_config(op_name, plans),
        tags=tags if single else tags | range_tags(partitions),
    )


def grouped_changes(changes: Mapping[str, PartitionChanges], order: Sequence[str]
                    ) -> list[tuple[list[str], dict[str, PartitionChanges]]]:
    """The runs for these changes: each a range of partitions and the changes within it."""
    return [(partitions, {p: changes[p] for p in partitions if p in changes})
            for partitions in partition_ranges(changes, order)]
