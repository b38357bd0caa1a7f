"""A job that removes documents the configuration no longer covers, and its daily schedule.

Removing a source from the sources file, or deleting a prefix partition in the UI whose prefix
has no objects left, then removes its documents from the index - planned first, guarded by the
share guard runs use, and reported as the run's metadata. Every partition the index holds whose
prefix still has objects is (re-)registered, so a partition ingested by a sync on another
instance (or none: a `sync` without DAGSTER_HOME) is known here and never seen as removed.
Run the job with `keep_removed: true` (or leave its schedule off) to only report.
"""

from collections.abc import Sequence
from typing import Any

from dagster import (
    Config,
    DagsterInstance,
    DefaultScheduleStatus,
    Failure,
    JobDefinition,
    MetadataValue,
    OpExecutionContext,
    ScheduleDefinition,
    job,
    op,
)
from pydantic import Field

from s3_ingest.core.index.base import DocumentIndex
from s3_ingest.core.sources.model import Source
from s3_ingest.core.sync.housekeeping import (
    HELD_GUARD,
    PrefixProbe,
    PrunePlan,
    apply_prune,
    partition_prefix,
    plan_prune,
    prefix_has_objects,
)
from s3_ingest.defs.ingest.partitions import prefix_partitions
from s3_ingest.defs.resources.index import INDEX_KEY
from s3_ingest.defs.resources.s3 import s3_resource_for


class HousekeepingConfig(Config):
    keep_removed: bool = Field(default=False, description="Report only; delete nothing.")
    force_delete: bool = Field(
        default=False, description="Apply removals even past the delete guard's share."
    )
    max_delete_share: float = Field(
        default=0.5, description="Largest share of a source or partition one removal may delete."
    )


def bucket_probe() -> PrefixProbe:
    """ListObjectsV2 MaxKeys=1 on a partition's prefix, one client per source."""
    clients: dict[str, Any] = {}

    def probe(source: Source, partition: str) -> bool:
        if source.name not in clients:
            clients[source.name] = s3_resource_for(source).process_config_and_initialize(
            ).get_client()
        return prefix_has_objects(clients[source.name], source.bucket,
                                  partition_prefix(source, partition))

    return probe


def housekeep(
    instance: DagsterInstance,
    index: DocumentIndex,
    sources: Sequence[Source],
    *,
    dry_run: bool,
    force: bool = False,
    max_delete_share: float = 0.5,
    register: bool = True,
) -> tuple[PrunePlan, dict[str, int]]:
    """Plan, register the partitions kept for their objects (unless not to), and (unless
    dry_run) apply."""
    registered = {
        source.name: set(instance.get_dynamic_partitions(prefix_partitions(source).name))
        for source in sources
    }
    plan = plan_prune(index, sources, registered, bucket_probe(),
                      max_delete_share=max_delete_share, force=force)
    by_name = {source.name: source for source in sources}
    for name, partitions in (plan.kept_partitions() if register else {}).items():
        partitions_name = prefix_partitions(by_name[name]).name
        assert partitions_name is not None
        instance.add_dynamic_partitions(partitions_name, partitions)
    return plan, ({} if dry_run else apply_prune(index, plan))


def plan_metadata(plan: PrunePlan, deleted: dict[str, int], dry_run: bool) -> dict[str, Any]:
    rows = ["| removal | documents | outcome |", "|---|---:|---|"]
    for r in plan.removals:
        if r.held:
            outcome = f"kept: {r.why}"
        else:
            outcome = "would delete" if dry_run else f"deleted {deleted.get(r.label, 0)}"
        rows.append(f"| {r.label} | {r.count} | {outcome} |")
    return {
        ("would_delete" if dry_run else "deleted"): MetadataValue.int(
            plan.total if dry_run else sum(deleted.values())),
        "held_back": MetadataValue.int(sum(r.count for r in plan.held)),
        "removals": MetadataValue.md("\n".join(rows) if plan.removals else "nothing to remove"),
        "plan": MetadataValue.json([r.as_dict() for r in plan.removals]),
    }


def build_housekeeping_job(sources: Sequence[Source]) -> JobDefinition:
    @op(required_resource_keys={INDEX_KEY})
    def prune_removed(context: OpExecutionContext, config: HousekeepingConfig) -> None:
        plan, deleted = housekeep(
            context.instance, getattr(context.resources, INDEX_KEY).open(), sources,
            dry_run=config.keep_removed, force=config.force_delete,
            max_delete_share=config.max_delete_share,
        )
        metadata = plan_metadata(plan, deleted, config.keep_removed)
        for r in plan.held:
            context.log.warning(f"kept {r.label} ({r.count} document(s)): {r.why}")
        guarded = [r for r in plan.held if r.held == HELD_GUARD]
        if guarded and not config.keep_removed:
            raise Failure(
                description=(
                    f"housekeeping held back {len(guarded)} removal(s) past the delete guard "
                    f"({', '.join(r.label for r in guarded)}); the rest was applied. Run it with "
                    "force_delete: true if those documents really should go."
                ),
                metadata=metadata,
                allow_retries=False,
            )
        context.add_output_metadata(metadata)
        verb = "would remove" if config.keep_removed else "removed"
        context.log.info(f"{verb} {plan.total} document(s)")

    @job(name="index_housekeeping", description="Remove documents of removed sources and prefixes.")
    def housekeeping() -> None:
        prune_removed()

    return housekeeping


def housekeeping_schedule(job_def: JobDefinition) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="index_housekeeping_schedule",
        job=job_def,
        cron_schedule="30 3 * * *",
        default_status=DefaultScheduleStatus.STOPPED,
        description="Daily: remove documents of removed sources and prefixes.",
    )
