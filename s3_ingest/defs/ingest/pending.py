"""Which changes a run already on its way will pick up, so a sensor does not ask for them twice.

A source can have two sensors (polling and S3 events) that see the same new objects - at start
both see the whole first fill. A run reads the bucket when it executes: a run of the same
partition that has not started yet, or that started after the change was made, will read the
changed key (or list the whole partition) anyway. Changes it covers are left out of a new
request; once that run has finished, anything it did not index shows up again as a change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, RunsFilter

from s3_ingest.core.plan.partition_changes import PartitionChanges
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import source_id
from s3_ingest.defs.ingest.partitions import SOURCE_TAG

PARTITION_TAG = "dagster/partition"
# A run of these statuses has not read the bucket yet, or is reading it now.
IN_FLIGHT = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]
# S3's clock and ours differ a little; a run that started this close after a change might
# still have read the older state.
CLOCK_SLACK_S = 2.0


@dataclass
class PendingRun:
    started_at: float | None  # None: not started, so it reads the bucket later
    keys: set[str] | None  # None: it lists its whole partition

    def covers(self, key: str, changed_at: float | None) -> bool:
        if self.keys is not None and key not in self.keys:
            return False
        if self.started_at is None:
            return True
        return changed_at is not None and changed_at + CLOCK_SLACK_S < self.started_at


@dataclass
class PendingRuns:
    by_partition: dict[str, list[PendingRun]] = field(default_factory=dict)

    def covers(self, partition: str, key: str, changed_at: datetime | float | None) -> bool:
        when = changed_at.timestamp() if isinstance(changed_at, datetime) else changed_at
        return any(run.covers(key, when) for run in self.by_partition.get(partition, ()))

    def uncovered(self, partition: str, changes: PartitionChanges) -> PartitionChanges:
        """The changes no in-flight run of the partition will pick up."""
        if not changes.targeted:  # too many to name: only a listing run yet to start covers them
            runs = self.by_partition.get(partition, ())
            listing = any(r.keys is None and r.started_at is None for r in runs)
            return PartitionChanges() if listing else changes
        return changes.without(lambda c: self.covers(partition, c.key, c.changed_at))


def _planned_keys(run: DagsterRun) -> dict[str, set[str] | None]:
    """partition -> the keys the run will read there (None: it lists the partition). A run
    named by the sensors or `sync` maps each of its partitions to a plan; one launched without
    a plan (a backfill, the launchpad) lists its partition."""
    for op in (run.run_config or {}).get("ops", {}).values():
        config = (op or {}).get("config") or {}
        plans = config.get("partitions")
        if not plans:
            continue
        result: dict[str, set[str] | None] = {}
        for partition, plan in plans.items():
            if config.get("full") or plan.get("listing"):
                result[partition] = None
                continue
            # A spilled plan's keys are in its file: it covers none here, and a change it
            # holds asks for the same run key again, which Dagster does not run twice.
            keys = {o["key"] for o in plan.get("objects") or ()}
            for field_name in ("upserts", "deletions", "drops"):
                keys |= set(plan.get(field_name) or ())
            result[partition] = keys
        return result
    partition = run.tags.get(PARTITION_TAG)
    return {partition: None} if partition else {}


def pending_runs(instance: DagsterInstance, source: Source, partitions: Iterable[str]) -> PendingRuns:
    """The source's in-flight runs of these partitions, and what each will read."""
    wanted = set(partitions)
    result = PendingRuns()
    if not wanted:
        return result
    records = instance.get_run_records(
        filters=RunsFilter(statuses=IN_FLIGHT, tags={SOURCE_TAG: source_id(source)}), limit=500
    )
    for record in records:
        run = record.dagster_run
        started = record.start_time if run.status == DagsterRunStatus.STARTED else None
        for partition, keys in _planned_keys(run).items():
            if partition in wanted:
                result.by_partition.setdefault(partition, []).append(
                    PendingRun(started_at=started, keys=keys))
    return result
