"""Plans that name keys: just those keys, no listing; deletions are confirmed before they happen."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.plan.partition_plan import PartitionPlan
from s3_ingest.core.sources.model import Source
from s3_ingest.core.sync.ingest import ingest, ingest_partition


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="keys-bucket")
        for key in ("a/1.md", "a/2.md", "a/3.md"):
            client.put_object(Bucket="keys-bucket", Key=key, Body=f"body of {key}".encode())
        index = SqliteIndex(str(tmp_path / "i.db"))
        source = Source(name="docs", bucket="keys-bucket")
        ingest_partition(client, source, "a/", index)
        yield client, source, index


class NoListing:
    def __init__(self, client, deny_head: str | None = None):
        self.client, self.deny_head = client, deny_head

    def list_objects_v2(self, **kwargs):
        raise AssertionError("a plan that names keys must not list")

    def head_object(self, **kwargs):
        if kwargs["Key"] == self.deny_head:
            raise ClientError({"Error": {"Code": "AccessDenied"},
                               "ResponseMetadata": {"HTTPStatusCode": 403}}, "HeadObject")
        return self.client.head_object(**kwargs)

    def __getattr__(self, name):
        return getattr(self.client, name)


def test_named_keys_are_headed_then_fetched_alone(env):
    client, source, index = env
    client.put_object(Bucket="keys-bucket", Key="a/1.md", Body=b"edited body")
    client.put_object(Bucket="keys-bucket", Key="a/new.md", Body=b"brand new")
    plan = PartitionPlan("a/", keys=["a/1.md", "a/new.md"])
    report = ingest(NoListing(client), source, plan, index)
    assert (report.mode, report.head_requests, report.get_requests) == ("changes", 2, 2)
    assert report.indexed == 2 and report.listed == 0  # HEADed, not listed by this run
    assert index.get("docs", "a/1.md").text == "edited body"
    assert index.count("docs") == 4


def test_a_deletion_is_confirmed_and_a_stale_one_refetches(env):
    client, source, index = env
    client.delete_object(Bucket="keys-bucket", Key="a/2.md")
    client.put_object(Bucket="keys-bucket", Key="a/3.md", Body=b"back again")  # a stale removal
    report = ingest(NoListing(client), source, PartitionPlan("a/", deletions=["a/2.md", "a/3.md"]),
                    index)
    assert report.deleted == 1 and report.head_requests == 2
    assert index.get("docs", "a/2.md") is None
    assert index.get("docs", "a/3.md").text == "back again"


def test_a_deletion_that_cannot_be_confirmed_keeps_the_document(env):
    client, source, index = env
    client.delete_object(Bucket="keys-bucket", Key="a/2.md")
    report = ingest(NoListing(client, deny_head="a/2.md"), source,
                    PartitionPlan("a/", deletions=["a/2.md"]), index)
    assert report.deleted == 0 and [k for k, _ in report.failed] == ["a/2.md"]
    assert index.get("docs", "a/2.md") is not None
    assert [f.key for f in index.failures("docs")] == ["a/2.md"]


def test_an_event_named_key_past_the_document_limit_is_not_indexed(env):
    client, _, index = env
    limited = Source(name="docs", bucket="keys-bucket", document_limit=3)
    client.put_object(Bucket="keys-bucket", Key="a/9.md", Body=b"fourth")
    report = ingest(NoListing(client), limited, PartitionPlan("a/", keys=["a/9.md"]), index)
    assert report.skipped == {"document_limit": 1} and report.get_requests == 0
    assert index.get("docs", "a/9.md") is None
