"""The event sensor against moto's SQS and S3 over HTTP."""

from __future__ import annotations

import json

import boto3
import pytest

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.defs.ingest.event_sensors import build_events_sensor
from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET
from s3_ingest_tests.conftest import make_source, put_objects
from s3_ingest_tests.defs.ingest.harness import Daemon, changed_plans


@pytest.fixture
def sqs(local_s3):
    return boto3.client("sqs", endpoint_url=local_s3.endpoint_url, region_name="us-east-1",
                        aws_access_key_id=DEMO_KEY_ID, aws_secret_access_key=DEMO_SECRET)


@pytest.fixture
def queue_url(sqs, bucket):
    return sqs.create_queue(QueueName=f"q-{bucket}",
                            Attributes={"VisibilityTimeout": "60"})["QueueUrl"]


def s3_event(bucket: str, key: str, name: str = "ObjectCreated:Put", seq: str = "01") -> str:
    return json.dumps({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "eventName": name,
        "s3": {"bucket": {"name": bucket}, "object": {"key": key, "sequencer": seq}},
    }]})


def eventbridge(bucket: str, key: str, detail_type: str = "Object Created") -> str:
    return json.dumps({"version": "0", "source": "aws.s3", "detail-type": detail_type,
                       "detail": {"bucket": {"name": bucket}, "object": {"key": key}}})


def in_queue(sqs, queue_url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"])


def test_events_run_the_partitions_they_name_and_are_acked_after(
    local_s3, s3_client, sqs, bucket, queue_url, tmp_path
):
    put_objects(s3_client, bucket, {"a/my file+1.txt": "plus and space", "b/x.md": "bee"})
    source = make_source(local_s3.endpoint_url, bucket,
                         events={"queue_url": queue_url, "endpoint": local_s3.endpoint_url})
    daemon, sensor = Daemon(source, str(tmp_path / "i.db")), build_events_sensor(source)
    daemon.arm(sensor)
    for body in (
        s3_event(bucket, "a/my+file%2B1.txt"),              # S3 encodes: + is a space, %2B a +
        s3_event(bucket, "a/my+file%2B1.txt", seq="01"),    # a duplicate
        eventbridge(bucket, "b/x.md"),
        json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": bucket}),
        s3_event("another-bucket", "a/other.txt"),
        "not json at all",
    ):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)

    result = daemon.tick(sensor)
    # One run for both partitions (issue 23).
    assert len(result.run_requests) == 1 and sorted(changed_plans(result)) == ["a/", "b/"]
    assert in_queue(sqs, queue_url) == 6  # nothing deleted before the runs exist
    assert all(r.success for r in daemon.run_requests(result))
    index = SqliteIndex(str(tmp_path / "i.db"))
    assert set(index.manifest("docs")) == {"a/my file+1.txt", "b/x.md"}

    quiet = daemon.tick(sensor)  # deletes the acknowledged messages, finds nothing new
    assert quiet.run_requests == [] and in_queue(sqs, queue_url) == 0


def test_removal_and_out_of_order_events_end_in_the_bucket_state(
    local_s3, s3_client, sqs, bucket, queue_url, tmp_path
):
    put_objects(s3_client, bucket, {"a/keep.md": "keep", "a/drop.md": "drop"})
    source = make_source(local_s3.endpoint_url, bucket,
                         events={"queue_url": queue_url, "endpoint": local_s3.endpoint_url})
    daemon, sensor = Daemon(source, str(tmp_path / "i.db")), build_events_sensor(source)
    daemon.arm(sensor)
    daemon.run("a/")  # indexed before the events
    s3_client.delete_object(Bucket=bucket, Key="a/drop.md")
    # The removal arrives before the (older) creation event: order must not matter.
    sqs.send_message(QueueUrl=queue_url,
                     MessageBody=s3_event(bucket, "a/drop.md", "ObjectRemoved:DeleteMarkerCreated",
                                          seq="02"))
    sqs.send_message(QueueUrl=queue_url, MessageBody=s3_event(bucket, "a/drop.md", seq="01"))
    result = daemon.tick(sensor)
    assert list(changed_plans(result)) == ["a/"]
    daemon.run_requests(result)
    assert set(SqliteIndex(str(tmp_path / "i.db")).manifest("docs")) == {"a/keep.md"}


def test_real_bucket_notifications_reach_the_index(
    local_s3, s3_client, sqs, bucket, queue_url, tmp_path
):
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    s3_client.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={"QueueConfigurations": [
            {"QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]},
    )
    source = make_source(local_s3.endpoint_url, bucket,
                         events={"queue_url": queue_url, "endpoint": local_s3.endpoint_url})
    daemon, sensor = Daemon(source, str(tmp_path / "i.db")), build_events_sensor(source)
    daemon.arm(sensor)
    put_objects(s3_client, bucket, {"notes/hello world.md": "# Hello\nfrom an event"})
    result = daemon.tick(sensor)
    assert list(changed_plans(result)) == ["notes/"]
    daemon.run_requests(result)
    hits = SqliteIndex(str(tmp_path / "i.db")).search("event")
    assert [h.key for h in hits] == ["notes/hello world.md"]
