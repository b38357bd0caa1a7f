"""`use_ssl` reaches the clients: a bare host:port endpoint on plain http (moto's server) works
with `use_ssl: false` and fails with a message naming `use_ssl` when it is true."""

from __future__ import annotations

import boto3
import pytest

from s3_ingest.core.s3.errors import SourceError, explain_for
from s3_ingest.defs.resources.s3 import s3_resource_for
from s3_ingest.defs.resources.sqs import sqs_resource_for
from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET
from s3_ingest_tests.conftest import make_source, put_objects


def bare(endpoint_url: str) -> str:
    return endpoint_url.split("://", 1)[1]


def client_of(resource):
    return resource.process_config_and_initialize().get_client()


def test_bare_endpoint_with_use_ssl_false_reads_the_bucket(local_s3, s3_client, bucket):
    put_objects(s3_client, bucket, {"a/one.txt": "one"})
    source = make_source(bare(local_s3.endpoint_url), bucket, use_ssl=False)
    listed = client_of(s3_resource_for(source)).list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["a/one.txt"]


def test_the_s3_resource_itself_honours_use_ssl_false(local_s3, s3_client, bucket):
    put_objects(s3_client, bucket, {"b.txt": "b"})
    resource = s3_resource_for(make_source(local_s3.endpoint_url, bucket)).model_copy(
        update={"endpoint_url": bare(local_s3.endpoint_url), "use_ssl": False}
    )
    assert client_of(resource).list_objects_v2(Bucket=bucket)["KeyCount"] == 1


def test_bare_events_endpoint_follows_use_ssl_false(local_s3, bucket):
    sqs = boto3.client("sqs", endpoint_url=local_s3.endpoint_url, region_name="us-east-1",
                       aws_access_key_id=DEMO_KEY_ID, aws_secret_access_key=DEMO_SECRET)
    queue_url = sqs.create_queue(QueueName=f"q-{bucket}")["QueueUrl"]
    endpoint = bare(local_s3.endpoint_url)
    source = make_source(endpoint, bucket, use_ssl=False,
                         events={"queue_url": queue_url, "endpoint": endpoint})
    answer = client_of(sqs_resource_for(source)).get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])
    assert "VisibilityTimeout" in answer["Attributes"]


def test_an_events_queue_on_aws_stays_https_when_s3_is_plain_http(local_s3, bucket):
    source = make_source(bare(local_s3.endpoint_url), bucket, use_ssl=False,
                         events={"queue_url": "https://sqs.us-east-1.amazonaws.com/1/q"})
    assert sqs_resource_for(source).use_ssl is True


def test_use_ssl_true_against_a_plain_http_endpoint_fails_clearly(local_s3, bucket):
    source = make_source(bare(local_s3.endpoint_url), bucket, use_ssl=True, max_attempts=1)
    with pytest.raises(Exception) as raised:
        client_of(s3_resource_for(source)).list_objects_v2(Bucket=bucket)
    error = explain_for(raised.value, source)
    assert isinstance(error, SourceError) and error.code == "SSLError"
    assert "use_ssl: false" in str(error) and f"https://{bare(local_s3.endpoint_url)}" in str(error)
