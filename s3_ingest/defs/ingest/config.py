"""Run configuration of an ingest, settable from the launchpad, a backfill or the command line.

A run that names nothing lists its partition. The sensors and `s3-ingest sync` name, for each
partition of the run, what changed (core/plan/partition_plan.py): objects with their listing facts,
keys to HEAD first, deletions to confirm, drops, or a spill file holding them - and what their scan
saw, so the run reports it. One run may cover several partitions (partition_ranges.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dagster import Config
from pydantic import Field

from s3_ingest.core.plan.partition_plan import PartitionPlan, plan_from_config


class ObjectFacts(Config):
    key: str
    etag: str
    size: int
    last_modified: str = Field(description="ISO 8601, as the listing gave it.")
    storage_class: str = "STANDARD"
    version_id: str = ""
    restored: bool = Field(default=False, description="An archived object with a readable restored copy.")


class ScanCountsConfig(Config):
    listed: int = 0
    unchanged: int = 0
    skipped: dict[str, int] = {}


class PartitionPlanConfig(Config):
    """One partition's plan (core/plan/partition_plan.py): what changed, as the scan or the
    events named it."""

    listing: bool = Field(default=False, description="List the partition whole.")
    objects: list[ObjectFacts] = Field(
        default=[], description="Only these changed objects, as listed (set by the sensors)."
    )
    upserts: list[str] = Field(
        default=[], description="Only these keys, each HEADed first (set by the events sensor)."
    )
    deletions: list[str] = Field(
        default=[], description="Only these keys, deleted (each is confirmed by a HEAD first)."
    )
    drops: list[str] = Field(
        default=[], description="Only these indexed keys, no longer selected: removed."
    )
    spill: str = Field(default="", description="A file holding changes too many to name here.")
    digest: str = Field(default="", description="The object versions the plan is for.")
    scan: ScanCountsConfig = Field(
        default=ScanCountsConfig(), description="What the sensor's scan saw of the partition."
    )


class IngestConfig(Config):
    full: bool = Field(default=False, description="Re-fetch and re-extract every object.")
    force_delete: bool = Field(
        default=False, description="Apply deletions even past the delete guard's share."
    )
    max_delete_share: float = Field(
        default=0.5, description="Largest share of a partition one run may delete."
    )
    max_failed_share: float = Field(
        default=0.1,
        description="The run fails when more than this share of objects failed for good.",
    )
    batch_size: int = Field(default=200, description="Documents per index transaction.")
    partitions: dict[str, PartitionPlanConfig] = Field(
        default={},
        description="The plan of each partition of the run (set by the sensors and "
                    "`s3-ingest sync`); a partition not named here lists itself.",
    )

    def plan(self, partition: str, prefix: str) -> PartitionPlan:
        entry = self.partitions.get(partition)
        return plan_from_config(partition, entry.model_dump() if entry else None, prefix,
                                full=self.full)


def plans_run_config(op_name: str, plans: Iterable[PartitionPlan]) -> dict[str, Any]:
    """Run config that hands a documents asset each partition's plan."""
    config = {plan.partition: plan.as_config() for plan in plans}
    return {"ops": {op_name: {"config": {"partitions": config}}}}
