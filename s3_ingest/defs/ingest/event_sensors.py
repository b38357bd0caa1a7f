"""The event sensor of a source: turns S3 event notifications from an SQS queue into runs of the
partitions they touch, within seconds instead of a polling interval - one run for the
partitions of a tick (a range each, run_requests.py).

Delivery is at least once. A message is deleted from the queue only on the tick after the one
that requested its runs - Dagster submits a tick's run requests before it evaluates the next
tick, and a tick that failed never stored the receipt handles - so no event is dropped before
its run exists. A duplicate or late event is harmless: a run lists its partition afresh and only
writes what differs. The polling sensor stays on as the safety net for events that never come.
"""

import json
import time
from typing import Any

from dagster import (
    DefaultSensorStatus,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from s3_ingest.core.plan.events import (
    REMOVED, ObjectEvent, NotAnS3Event, already_indexed, parse_message,
)
from s3_ingest.core.plan.partition_changes import DELETE, UPSERT, Change, PartitionChanges
from s3_ingest.core.s3.partition_keys import partition_of
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import definition_name
from s3_ingest.defs.ingest.assets import documents_op_name
from s3_ingest.defs.ingest.jobs import build_sync_job
from s3_ingest.defs.ingest.partitions import SOURCE_TAG, add_new_partitions, prefix_partitions
from s3_ingest.defs.ingest.pending import pending_runs
from s3_ingest.defs.ingest.run_requests import (
    change_run_request, combined_digest, grouped_changes, partition_order, range_label,
    range_plans,
)
from s3_ingest.defs.ingest.tick_errors import tick_errors
from s3_ingest.defs.resources.index import INDEX_KEY
from s3_ingest.defs.resources.s3 import client_of
from s3_ingest.defs.resources.sqs import sqs_resource_key

EVENTS_SENSOR_INTERVAL_S = 15


def events_sensor_name(source: Source) -> str:
    return definition_name(source, "events_sensor")


def _delete(sqs: Any, queue_url: str, handles: list[str]) -> tuple[list[str], int]:
    """Delete these messages; returns the handles to try again next tick, and how many failed.

    A failure SQS blames on itself is retried; one it blames on the request (an expired
    receipt handle) cannot succeed later, and the message simply comes back after its
    visibility timeout - a duplicate event, which is harmless."""
    retry: list[str] = []
    failed = 0
    for start in range(0, len(handles), 10):
        chunk = handles[start : start + 10]
        answer = sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(chunk)],
        )
        for failure in answer.get("Failed", []):
            failed += 1
            if not failure.get("SenderFault"):
                retry.append(chunk[int(failure["Id"])])
    return retry, failed


def build_events_sensor(source: Source, job: Any = None) -> SensorDefinition:
    """`job`: the source's sync job (built here when not given), which its runs are of."""
    job = job if job is not None else build_sync_job(source)
    assert source.events is not None
    queue = source.events
    sqs_key = sqs_resource_key(source)
    partitions_def = prefix_partitions(source)
    op_name = documents_op_name(source)

    @sensor(
        name=events_sensor_name(source),
        job=job,
        minimum_interval_seconds=EVENTS_SENSOR_INTERVAL_S,
        default_status=(
            DefaultSensorStatus.RUNNING if source.sensor_running else DefaultSensorStatus.STOPPED
        ),
        required_resource_keys={sqs_key, INDEX_KEY},
        description=f"Runs the partitions of {source.name} that S3 event notifications name.",
    )
    def events(context: SensorEvaluationContext) -> SensorResult:
        if not context.cursor:
            # Both sensors tick at once when the daemon starts, each unaware of the other's
            # runs. The polling sensor's first pass sees all that the queue's backlog names;
            # reading the queue from the next tick on, the backlog's events find its runs
            # queued or done and ask for no second run of each partition.
            return SensorResult(
                skip_reason=SkipReason("started: reading the queue from the next tick"),
                cursor=json.dumps({"ack": []}),
            )
        cursor = json.loads(context.cursor)
        with tick_errors(source, "events"):
            return _tick(context, cursor, client_of(getattr(context.resources, sqs_key)),
                         getattr(context.resources, INDEX_KEY).open())

    def _tick(
        context: SensorEvaluationContext, cursor: dict, sqs: Any, index: Any
    ) -> SensorResult:
        # The previous tick's runs are requested by now: its messages can go.
        retry, failed_deletes = _delete(sqs, queue.queue_url, cursor.get("ack", []))

        deadline = time.monotonic() + source.sensor_budget_seconds
        changes: dict[str, PartitionChanges] = {}
        handles: list[str] = []
        ignored = bad = 0
        events_: list[ObjectEvent] = []
        ids: list[str] = []
        while len(handles) < queue.max_messages_per_tick and time.monotonic() < deadline:
            batch = sqs.receive_message(
                QueueUrl=queue.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
            ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                handles.append(message["ReceiptHandle"])
                try:
                    for event in parse_message(message.get("Body", "")):
                        if event.bucket == source.bucket and event.key.startswith(source.prefix):
                            events_.append(event)
                            ids.append(message["MessageId"])
                        else:
                            ignored += 1
                except NotAnS3Event:
                    bad += 1
        indexed = index.entries(source.name, {event.key for event in events_})
        done = 0
        for event, message_id in zip(events_, ids):
            if already_indexed(event, indexed.get(event.key)):
                done += 1
                continue
            partition = partition_of(event.key[len(source.prefix) :])
            changes.setdefault(partition, PartitionChanges()).add(Change(
                event.key,
                DELETE if event.kind == REMOVED else UPSERT,
                f"{message_id} {event.sequencer}",
                event.event_time,
            ))
        pending = pending_runs(context.instance, source, changes)
        uncovered, covered = {}, 0
        for partition, found in sorted(changes.items()):
            change = pending.uncovered(partition, found)
            covered += found.count - change.count
            if change.count:
                uncovered[partition] = change
        partition_requests = add_new_partitions(context.instance, partitions_def, changes)
        order = partition_order(context.instance, partitions_def,
                                [p for r in partition_requests for p in r.partition_keys])
        run_requests = []
        for partitions, found in grouped_changes(uncovered, order):
            # The keys named by the events: each HEADed first by the run, then as listed; too
            # many, and it lists the partition. Message ids make each digest new; a failed
            # run's events are acknowledged, so the polling sensor's next pass retries them.
            change_key = (f"{source.name}:{range_label(partitions)}:events:"
                          f"{combined_digest(found)}")
            run_requests.append(change_run_request(
                source, op_name, partitions, range_plans(partitions, found, {}),
                change_key, change_key, "events"))
        context.log.info(
            f"{len(handles)} message(s): runs for {len(run_requests)} partition(s), "
            f"{done} already indexed, {covered} already in a queued or running run, "
            f"{ignored} event(s) for other buckets or prefixes, {bad} unreadable message(s)"
            + (f", {failed_deletes} delete(s) failed ({len(retry)} to retry)"
               if failed_deletes else "")
        )
        return SensorResult(
            run_requests=run_requests,
            dynamic_partitions_requests=partition_requests,
            cursor=json.dumps({
                "ack": handles + retry,
                "failed_deletes": cursor.get("failed_deletes", 0) + failed_deletes,
            }),
        )

    return events
