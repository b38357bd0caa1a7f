"""Run configuration of an ingest, settable from the launchpad, a backfill or the command line.

A run that names nothing lists its partition. The sensors and `s3-ingest sync` name what
changed (plan.py): objects with their listing facts, keys to HEAD first, deletions to confirm,
drops - and what their scan saw, so the run reports it.
"""

from __future__ import annotations

from typing import Any

from dagster import Config
from pydantic import Field

from s3_ingest.core.plan import PartitionPlan, plan_from_config


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
    scan: ScanCountsConfig = Field(
        default=ScanCountsConfig(), description="What the sensor's scan saw of the partition."
    )

    def plan(self, partition: str, prefix: str) -> PartitionPlan:
        return plan_from_config(partition, self.model_dump(), prefix, full=self.full)


def plan_run_config(op_name: str, plan: PartitionPlan) -> dict[str, Any]:
    """Run config that hands a documents asset this plan ({} for a listing)."""
    config = plan.as_config()
    return {"ops": {op_name: {"config": config}}} if config else {}
