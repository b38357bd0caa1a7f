"""A daily schedule per source that runs every known partition of its sync job: a full
reconciliation that catches anything the sensors missed."""

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)

from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import definition_name, source_id
from s3_ingest.defs.ingest.partitions import SOURCE_TAG, prefix_partitions


def build_reconcile_schedule(
    source: Source, job: UnresolvedAssetJobDefinition
) -> ScheduleDefinition:
    partitions_def = prefix_partitions(source)

    @schedule(
        name=definition_name(source, "reconcile_schedule"),
        job=job,
        cron_schedule=source.reconcile_cron,
        default_status=(
            DefaultScheduleStatus.RUNNING
            if source.sensor_running
            else DefaultScheduleStatus.STOPPED
        ),
        description="Daily full reconciliation: every known partition is listed and synced.",
    )
    def reconcile(context: ScheduleEvaluationContext) -> list[RunRequest]:
        day = context.scheduled_execution_time.strftime("%Y-%m-%dT%H:%M")
        return [
            RunRequest(run_key=f"reconcile:{day}:{partition}", partition_key=partition,
                       tags={"s3_ingest/trigger": "reconcile", SOURCE_TAG: source_id(source)})
            for partition in context.instance.get_dynamic_partitions(partitions_def.name)
        ]

    return reconcile
