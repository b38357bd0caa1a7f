"""The polling sensor of a source: finds new, modified and deleted keys, adds partitions for new
prefixes, and asks for runs of the partitions that changed - and only those.

Per-key state lives in the index's manifest, not in the cursor: the cursor holds one key (where
the budgeted listing resumes) and a pass counter, so it stays small whatever the bucket's size.
A run key carries a digest of the changes it is asked for, so a failed run never blocks a later
change of the same partition (Dagster never re-requests a run key it has seen).
"""

import json
from typing import Any

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)
from botocore.exceptions import BotoCoreError, ClientError

from s3_ingest.core.change_scan import scan_changes
from s3_ingest.core.errors import explain_for
from s3_ingest.core.sources import Source
from s3_ingest.defs.asset_layout import definition_name, source_id
from s3_ingest.defs.ingest.assets import documents_op_name
from s3_ingest.defs.ingest.config import plan_run_config
from s3_ingest.defs.ingest.partitions import SOURCE_TAG, add_new_partitions, prefix_partitions
from s3_ingest.defs.ingest.jobs import build_sync_job
from s3_ingest.defs.ingest.pending import pending_runs
from s3_ingest.defs.ingest.run_keys import CHANGE_TAG, run_key_for
from s3_ingest.defs.ingest.tick_errors import tick_errors
from s3_ingest.defs.resources.s3 import client_of, s3_resource_key
from s3_ingest.defs.resources.index import INDEX_KEY


def poll_sensor_name(source: Source) -> str:
    return definition_name(source, "poll_sensor")


def build_poll_sensor(source: Source, job: Any = None) -> SensorDefinition:
    """`job`: the source's sync job (built here when not given), which its runs are of."""
    job = job if job is not None else build_sync_job(source)
    s3_key = s3_resource_key(source)
    partitions_def = prefix_partitions(source)
    op_name = documents_op_name(source)

    @sensor(
        name=poll_sensor_name(source),
        job=job,
        minimum_interval_seconds=source.sync_interval,
        default_status=(
            DefaultSensorStatus.RUNNING if source.sensor_running else DefaultSensorStatus.STOPPED
        ),
        required_resource_keys={s3_key, INDEX_KEY},
        description=(
            f"Polls s3://{source.bucket}/{source.prefix} every {source.sync_interval}s and runs "
            "the partitions whose objects were added, changed or deleted."
        ),
    )
    def poll(context: SensorEvaluationContext) -> SensorResult:
        # The daemon hands a sensor the resources of required_resource_keys on
        # context.resources (keyword parameters receive only resources annotated by type).
        cursor = json.loads(context.cursor) if context.cursor else {}
        with tick_errors(source, "poll"):
            client = client_of(getattr(context.resources, s3_key))
            index = getattr(context.resources, INDEX_KEY).open()
            try:
                result = scan_changes(
                    client, source, index, after=cursor.get("after"),
                    selected_before=cursor.get("selected", 0) if cursor.get("after") else 0,
                    budget_s=source.sensor_budget_seconds,
                )
            except (ClientError, BotoCoreError) as exc:
                raise explain_for(exc, source) from None
            pending = pending_runs(context.instance, source, result.changes)
            # A partition the index holds (say, synced by `s3-ingest sync` without this
            # instance) is registered here too, so housekeeping never sees it as removed -
            # once a pass, not every tick: it reads every document's partition.
            indexed = set(index.partitions(source.name)) if result.complete else set()
        run_requests = []
        covered = 0
        for partition, found in sorted(result.changes.items()):
            changes = pending.uncovered(partition, found)
            covered += found.count - changes.count
            if changes.count == 0:
                continue
            # Few changes: the run takes just those objects, as listed. Many: it lists.
            change = f"{source.name}:{partition}:{changes.digest}"
            run_key = run_key_for(context.instance, change)
            if run_key is None:
                continue
            plan = changes.plan(partition, result.counts.get(partition))
            run_requests.append(RunRequest(
                run_key=run_key,
                partition_key=partition,
                run_config=plan_run_config(op_name, plan),
                tags={"s3_ingest/trigger": "poll", SOURCE_TAG: source_id(source), CHANGE_TAG: change},
            ))
        passes = cursor.get("passes", 0) + (1 if result.complete else 0)
        context.log.info(
            f"listed {result.listed} keys in {result.pages} page(s): {result.new} new, "
            f"{result.modified} modified, {result.deleted} deleted"
            + (f"; {covered} already in a queued or running run" if covered else "")
            + ("; pass complete" if result.complete else f"; resuming after {result.after!r}")
        )
        return SensorResult(
            run_requests=run_requests,
            dynamic_partitions_requests=add_new_partitions(
                context.instance, partitions_def,
                result.partitions_seen | set(result.changes) | indexed,
            ),
            cursor=json.dumps({"after": result.after, "passes": passes,
                               "selected": result.selected}),
        )

    return poll
