"""A job that removes documents the configuration no longer covers, and its daily schedule.

Removing a source from the sources file, or deleting a prefix partition in the UI, then removes
its documents from the index; run the job with `keep_removed: true` (or leave its schedule off)
to keep them.
"""

from collections.abc import Sequence

from dagster import (
    Config,
    DefaultScheduleStatus,
    JobDefinition,
    OpExecutionContext,
    ScheduleDefinition,
    job,
    op,
)
from pydantic import Field

from s3_ingest.core.housekeeping import prune
from s3_ingest.core.sources import Source
from s3_ingest.defs.ingest.partitions import prefix_partitions


class HousekeepingConfig(Config):
    keep_removed: bool = Field(default=False, description="Report only; delete nothing.")


def build_housekeeping_job(sources: Sequence[Source]) -> JobDefinition:
    @op(required_resource_keys={"index"})
    def prune_removed(context: OpExecutionContext, config: HousekeepingConfig) -> None:
        registered = {
            source.name: set(context.instance.get_dynamic_partitions(prefix_partitions(source).name))
            for source in sources
        }
        report = prune(context.resources.index.open(), sources, registered,
                       dry_run=config.keep_removed)
        verb = "would remove" if config.keep_removed else "removed"
        context.log.info(
            f"{verb} {report.total} document(s): sources {report.removed_sources}, "
            f"partitions {report.removed_partitions}, outside prefix {report.outside_prefix}"
        )

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
