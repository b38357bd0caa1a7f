"""The event sensor of a source: turns S3 event notifications from an SQS queue into runs of the
partitions they touch, within seconds instead of a polling interval.

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
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from s3_ingest.core.change_scan import DELETE, UPSERT, PartitionChanges
from s3_ingest.core.events import CREATED, NotAnS3Event, parse_message
from s3_ingest.core.partition_keys import partition_of
from s3_ingest.core.sources import Source
from s3_ingest.defs.ingest.assets import documents_asset_key, documents_op_name
from s3_ingest.defs.ingest.config import targeted_run_config
from s3_ingest.defs.ingest.partitions import SOURCE_TAG, add_new_partitions, prefix_partitions
from s3_ingest.defs.ingest.sensors import client_of
from s3_ingest.defs.resources.sqs import sqs_resource_key

EVENTS_SENSOR_INTERVAL_S = 15


def events_sensor_name(source: Source) -> str:
    return f"{source.name}_events_sensor"


def _delete(sqs: Any, queue_url: str, handles: list[str]) -> None:
    for start in range(0, len(handles), 10):
        chunk = handles[start : start + 10]
        sqs.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": h} for i, h in enumerate(chunk)],
        )


def build_events_sensor(source: Source) -> SensorDefinition:
    assert source.events is not None
    queue = source.events
    sqs_key = sqs_resource_key(source)
    partitions_def = prefix_partitions(source)
    op_name = documents_op_name(source)

    @sensor(
        name=events_sensor_name(source),
        asset_selection=[documents_asset_key(source)],
        minimum_interval_seconds=EVENTS_SENSOR_INTERVAL_S,
        default_status=(
            DefaultSensorStatus.RUNNING if source.sensor_running else DefaultSensorStatus.STOPPED
        ),
        required_resource_keys={sqs_key},
        description=f"Runs the partitions of {source.name} that S3 event notifications name.",
    )
    def events(context: SensorEvaluationContext, **resources: Any) -> SensorResult:
        cursor = json.loads(context.cursor) if context.cursor else {}
        sqs = client_of(resources[sqs_key])
        # The previous tick's runs are requested by now: its messages can go.
        _delete(sqs, queue.queue_url, cursor.get("ack", []))

        deadline = time.monotonic() + source.sensor_budget_seconds
        changes: dict[str, PartitionChanges] = {}
        handles: list[str] = []
        ignored = bad = 0
        while len(handles) < queue.max_messages_per_tick and time.monotonic() < deadline:
            batch = sqs.receive_message(
                QueueUrl=queue.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
            ).get("Messages", [])
            if not batch:
                break
            for message in batch:
                handles.append(message["ReceiptHandle"])
                try:
                    events_ = parse_message(message.get("Body", ""))
                except NotAnS3Event:
                    bad += 1
                    continue
                for event in events_:
                    if event.bucket != source.bucket or not event.key.startswith(source.prefix):
                        ignored += 1
                        continue
                    partition = partition_of(event.key[len(source.prefix) :])
                    changes.setdefault(partition, PartitionChanges()).add(
                        event.key,
                        UPSERT if event.kind == CREATED else DELETE,
                        f"{message['MessageId']} {event.kind} {event.sequencer}",
                    )
        run_requests = []
        for partition, change in sorted(changes.items()):
            # The keys named by the events, deduplicated (a removal is confirmed by a HEAD,
            # so order does not matter); too many, and the run lists the partition instead.
            run_config = {}
            if change.targeted:
                deletions = sorted(set(change.deletions) - set(change.upserts))
                run_config = targeted_run_config(
                    op_name, sorted(set(change.upserts)), deletions
                )
            run_requests.append(
                RunRequest(
                    run_key=f"{source.name}:{partition}:events:{change.digest}",
                    partition_key=partition,
                    run_config=run_config,
                    tags={"s3_ingest/trigger": "events", SOURCE_TAG: source.name},
                )
            )
        context.log.info(
            f"{len(handles)} message(s): runs for {len(run_requests)} partition(s), "
            f"{ignored} event(s) for other buckets or prefixes, {bad} unreadable message(s)"
        )
        return SensorResult(
            run_requests=run_requests,
            dynamic_partitions_requests=add_new_partitions(
                context.instance, partitions_def, changes
            ),
            cursor=json.dumps({"ack": handles}),
        )

    return events
