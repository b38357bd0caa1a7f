"""The polling sensor of a source: finds new, modified and deleted keys, adds partitions for new
prefixes, and asks for runs of the partitions that changed - and only those.

Per-key state lives in the index's manifest, not in the cursor: the cursor holds one key (where
the budgeted listing resumes) and a pass counter, so it stays small whatever the bucket's size.
The changed partitions of a tick go into one run (a range each, run_requests.py).
A run key carries a digest of the changes it is asked for, so a failed run never blocks a later
change of the same partition (Dagster never re-requests a run key it has seen).
"""

import json
from typing import Any

from dagster import (
    DefaultSensorStatus,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)
from botocore.exceptions import BotoCoreError, ClientError

from s3_ingest.core.plan.change_scan import scan_changes
from s3_ingest.core.s3.errors import explain_for
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import definition_name
from s3_ingest.defs.ingest.assets import documents_op_name
from s3_ingest.defs.ingest.jobs import build_sync_job
from s3_ingest.defs.ingest.partitions import SOURCE_TAG, add_new_partitions, prefix_partitions
from s3_ingest.defs.ingest.pending import pending_runs
from s3_ingest.defs.ingest.run_keys import run_key_for
from s3_ingest.defs.ingest.run_requests import (
    abandon_spills, change_run_request, combined_digest, grouped_changes, partition_order,
    plan_directory, range_label, range_plans,
)
from s3_ingest.defs.ingest.tick_errors import tick_errors
from s3_ingest.defs.resources.index import INDEX_KEY
from s3_ingest.defs.resources.s3 import client_of, s3_resource_key


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
                    spill_dir=plan_directory(context.instance),
                )
            except (ClientError, BotoCoreError) as exc:
                raise explain_for(exc, source) from None
            pending = pending_runs(context.instance, source, result.changes)
            # A partition the index holds (say, synced by `s3-ingest sync` without this
            # instance) is registered here too, so housekeeping never sees it as removed -
            # once a pass, not every tick: it reads every document's partition.
            indexed = set(index.partitions(source.name)) if result.complete else set()
        uncovered, covered = {}, 0
        for partition, found in sorted(result.changes.items()):
            changes = pending.uncovered(partition, found)
            covered += found.count - changes.count
            if changes.count:
                uncovered[partition] = changes
        partition_requests = add_new_partitions(
            context.instance, partitions_def,
            result.partitions_seen | set(result.changes) | indexed,
        )
        order = partition_order(context.instance, partitions_def,
                                [p for r in partition_requests for p in r.partition_keys])
        # One run for the changed partitions (a range each; few changes ride in its config,
        # many in a spill file), its key naming every version it is for.
        run_requests = []
        for partitions, changes in grouped_changes(uncovered, order):
            change = f"{source.name}:{range_label(partitions)}:{combined_digest(changes)}"
            run_key = run_key_for(context.instance, change)
            if run_key is None:
                continue
            plans = range_plans(partitions, changes, result.counts)
            run_requests.append(change_run_request(source, op_name, partitions, plans,
                                                   run_key, change, "poll"))
        abandon_spills(result.changes.values())
        passes = cursor.get("passes", 0) + (1 if result.complete else 0)
        context.log.info(
            f"listed {result.listed} keys in {result.pages} page(s): {result.new} new, "
            f"{result.modified} modified, {result.deleted} deleted"
            + (f"; {covered} already in a queued or running run" if covered else "")
            + ("; pass complete" if result.complete else f"; resuming after {result.after!r}")
        )
        return SensorResult(
            run_requests=run_requests,
            dynamic_partitions_requests=partition_requests,
            cursor=json.dumps({"after": result.after, "passes": passes,
                               "selected": result.selected}),
        )

    return poll
