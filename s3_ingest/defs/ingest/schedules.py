"""A job per source over its documents asset (and its drift check), and a daily schedule that
runs every known partition of it: a full reconciliation that catches anything the sensors missed.
"""

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)

from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from s3_ingest.core.sources import Source
from s3_ingest.defs.ingest.assets import documents_asset_key
from s3_ingest.defs.ingest.partitions import SOURCE_TAG, prefix_partitions


def build_sync_job(source: Source) -> UnresolvedAssetJobDefinition:
    return define_asset_job(
        name=f"{source.name}_sync",
        selection=AssetSelection.assets(documents_asset_key(source)),
        description=f"Sync a prefix partition of {source.name} and check it against the bucket.",
        tags={SOURCE_TAG: source.name},
    )


def build_reconcile_schedule(
    source: Source, job: UnresolvedAssetJobDefinition
) -> ScheduleDefinition:
    partitions_def = prefix_partitions(source)

    @schedule(
        name=f"{source.name}_reconcile_schedule",
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
                       tags={"s3_ingest/trigger": "reconcile", SOURCE_TAG: source.name})
            for partition in context.instance.get_dynamic_partitions(partitions_def.name)
        ]

    return reconcile
