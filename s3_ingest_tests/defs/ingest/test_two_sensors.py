"""A source with both sensors asks for each change once: a change that a queued or running run
will read, or that the index already holds, is not requested again."""

from __future__ import annotations

import time

import boto3
import pytest
from dagster import DagsterRunStatus
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.test_utils import create_run_for_test

from s3_ingest.defs.ingest.event_sensors import build_events_sensor
from s3_ingest.defs.ingest.partitions import SOURCE_TAG
from s3_ingest.defs.ingest.sensors import build_poll_sensor
from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET
from s3_ingest_tests.conftest import make_source, put_objects
from s3_ingest_tests.defs.ingest.harness import Daemon, changed_plans


@pytest.fixture
def evented(local_s3, s3_client, bucket, tmp_path):
    """A source whose bucket notifies an SQS queue of every change, as S3 does."""
    sqs = boto3.client("sqs", endpoint_url=local_s3.endpoint_url, region_name="us-east-1",
                       aws_access_key_id=DEMO_KEY_ID, aws_secret_access_key=DEMO_SECRET)
    queue_url = sqs.create_queue(QueueName=f"q-{bucket}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    s3_client.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn["Attributes"]["QueueArn"],
                                 "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]})
    source = make_source(local_s3.endpoint_url, bucket,
                         events={"queue_url": queue_url, "endpoint": local_s3.endpoint_url})
    return Daemon(source, str(tmp_path / "i.db"))


def queued_run(daemon: Daemon, request) -> None:
    create_run_for_test(
        daemon.instance, job_name="__ASSET_JOB", status=DagsterRunStatus.NOT_STARTED,
        run_config=request.run_config,
        tags={SOURCE_TAG: daemon.source.name} | dict(request.tags),
    )


def test_the_events_sensor_reads_the_queue_from_its_second_tick(evented, s3_client, bucket):
    """At start both sensors tick at once; the polling sensor's first pass goes first."""
    put_objects(s3_client, bucket, {"a/1.md": "one"})
    events = build_events_sensor(evented.source)
    first = evented.tick(events)
    assert first.run_requests == [] and "next tick" in first.skip_message
    [request] = evented.tick(events).run_requests
    assert request.partition_key == "a/"


def test_at_start_the_events_sensor_leaves_what_a_queued_poll_run_will_read(evented, s3_client,
                                                                              bucket):
    put_objects(s3_client, bucket, {"a/1.md": "one", "a/2.md": "two"})
    poll, events = build_poll_sensor(evented.source), build_events_sensor(evented.source)
    evented.arm(events)
    [request] = evented.tick(poll).run_requests
    queued_run(evented, request)  # queued, not started
    assert evented.tick(events).run_requests == []
    # ...but an event for a key that run was not asked for is requested.
    put_objects(s3_client, bucket, {"a/3.md": "three"})
    later = evented.tick(events)
    assert len(later.run_requests) == 1 and changed_plans(later)["a/"]["upserts"] == ["a/3.md"]


def test_at_start_the_poll_sensor_leaves_what_a_queued_events_run_will_read(evented, s3_client,
                                                                             bucket):
    put_objects(s3_client, bucket, {"a/1.md": "one", "b/2.md": "two"})
    poll, events = build_poll_sensor(evented.source), build_events_sensor(evented.source)
    evented.arm(events)
    tick = evented.tick(events)
    assert len(tick.run_requests) == 1 and sorted(changed_plans(tick)) == ["a/", "b/"]
    queued_run(evented, tick.run_requests[0])  # one run, for both partitions
    assert evented.tick(poll).run_requests == []


def test_events_for_changes_the_index_already_holds_ask_for_no_run(evented, s3_client, bucket):
    put_objects(s3_client, bucket, {"a/1.md": "one", "a/2.md": "two", "b/3.md": "three"})
    time.sleep(1.1)  # S3's last-modified times have whole seconds
    put_objects(s3_client, bucket, {"a/1.md": "one again"})
    s3_client.delete_object(Bucket=bucket, Key="b/3.md")
    poll, events = build_poll_sensor(evented.source), build_events_sensor(evented.source)
    evented.arm(events)
    assert all(run.success for run in evented.run_requests(evented.tick(poll)))
    # Every event is already reflected in the index: no second run of the first fill. (The
    # created event of b/3.md does ask for one: that key is gone, and only a run can tell.)
    assert list(changed_plans(evented.tick(events))) == ["b/"]
    put_objects(s3_client, bucket, {"a/1.md": "edited"})
    assert changed_plans(evented.tick(events))["a/"]["upserts"] == ["a/1.md"]


def test_a_running_run_started_before_a_change_does_not_cover_it(evented, s3_client, bucket):
    put_objects(s3_client, bucket, {"a/1.md": "one"})
    time.sleep(3.1)  # the run starts after a/1.md was put, past the clock slack
    run = create_run_for_test(evented.instance, job_name="__ASSET_JOB",
                              tags={SOURCE_TAG: "docs", "dagster/partition": "a/"})
    evented.instance.report_dagster_event(
        DagsterEvent(DagsterEventType.RUN_START.value, job_name="__ASSET_JOB"), run.run_id)
    assert evented.instance.get_run_by_id(run.run_id).status == DagsterRunStatus.STARTED
    time.sleep(3.1)  # a/2.md is put after the run started
    put_objects(s3_client, bucket, {"a/2.md": "two"})
    config = changed_plans(evented.tick(build_poll_sensor(evented.source)))["a/"]
    # The running run lists a/ and reads a/1.md; a/2.md may have come after its listing.
    assert [o["key"] for o in config["objects"]] == ["a/2.md"]
