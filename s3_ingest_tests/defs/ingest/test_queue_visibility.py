"""At load, an events queue whose visibility timeout is shorter than the time its messages wait
for their delete is reported (moto's SQS over HTTP); an unreachable queue never fails the load."""

from __future__ import annotations

import warnings

import boto3
import pytest

from s3_ingest.definitions import build_definitions
from s3_ingest.defs.ingest.queue_visibility import (
    QueueVisibilityWarning,
    needed_visibility_timeout,
)
from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET
from s3_ingest_tests.conftest import make_source


@pytest.fixture
def sqs(local_s3):
    return boto3.client("sqs", endpoint_url=local_s3.endpoint_url, region_name="us-east-1",
                        aws_access_key_id=DEMO_KEY_ID, aws_secret_access_key=DEMO_SECRET)


def events_source(local_s3, sqs, bucket, timeout: int, **fields):
    queue_url = sqs.create_queue(QueueName=f"q{timeout}-{bucket}",
                                 Attributes={"VisibilityTimeout": str(timeout)})["QueueUrl"]
    return make_source(local_s3.endpoint_url, bucket, **fields,
                       events={"queue_url": queue_url, "endpoint": local_s3.endpoint_url})


def load(*sources) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        defs = build_definitions(list(sources))
    assert defs.resolve_job_def("index_housekeeping")  # the load itself went through
    return [str(w.message) for w in caught if issubclass(w.category, QueueVisibilityWarning)]


def test_the_bound_is_two_intervals_plus_the_budget_and_a_long_poll(local_s3, bucket):
    assert needed_visibility_timeout(make_source(local_s3.endpoint_url, bucket)) == 51
    tight = make_source(local_s3.endpoint_url, bucket, sensor_budget_seconds=5)
    assert needed_visibility_timeout(tight) == 36


def test_sqs_default_timeout_is_reported_with_source_timeout_and_minimum(local_s3, sqs, bucket):
    [message] = load(events_source(local_s3, sqs, bucket, 30))
    assert "source 'docs'" in message
    assert "visibility timeout 30 s" in message and "at least 51" in message


def test_a_long_enough_timeout_is_not_reported(local_s3, sqs, bucket):
    assert load(events_source(local_s3, sqs, bucket, 51)) == []
    # The budget is part of the bound: 40 s is enough for a 5 s budget, not for 20 s.
    assert load(events_source(local_s3, sqs, bucket, 40, sensor_budget_seconds=5)) == []


def test_an_unreachable_queue_is_reported_without_failing_the_load(local_s3, bucket):
    source = make_source(local_s3.endpoint_url, bucket, events={
        "queue_url": "http://127.0.0.1:1/123456789012/gone", "endpoint": "http://127.0.0.1:1"})
    [message] = load(source)
    assert "source 'docs'" in message and "could not read its visibility timeout" in message
    assert "at least 51" in message
