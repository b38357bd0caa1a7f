"""Targeted runs: just the given keys, no listing; deletions are confirmed before they happen."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.ingest import ingest_keys, ingest_partition
from s3_ingest.core.sources import Source


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
        raise AssertionError("a targeted run must not list")

    def head_object(self, **kwargs):
        if kwargs["Key"] == self.deny_head:
            raise ClientError({"Error": {"Code": "AccessDenied"},
                               "ResponseMetadata": {"HTTPStatusCode": 403}}, "HeadObject")
        return self.client.head_object(**kwargs)

    def __getattr__(self, name):
        return getattr(self.client, name)


def test_upserts_fetch_only_the_given_keys(env):
    client, source, index = env
    client.put_object(Bucket="keys-bucket", Key="a/1.md", Body=b"edited body")
    client.put_object(Bucket="keys-bucket", Key="a/new.md", Body=b"brand new")
    report = ingest_keys(NoListing(client), source, "a/", index, ["a/1.md", "a/new.md"], [])
    assert (report.mode, report.get_requests, report.indexed) == ("keys", 2, 2)
    assert index.get("docs", "a/1.md").text == "edited body"
    assert index.count("docs") == 4


def test_a_deletion_is_confirmed_and_a_stale_one_refetches(env):
    client, source, index = env
    client.delete_object(Bucket="keys-bucket", Key="a/2.md")
    client.put_object(Bucket="keys-bucket", Key="a/3.md", Body=b"back again")  # a stale removal
    report = ingest_keys(NoListing(client), source, "a/", index, [], ["a/2.md", "a/3.md"])
    assert report.deleted == 1 and report.head_requests == 2
    assert index.get("docs", "a/2.md") is None
    assert index.get("docs", "a/3.md").text == "back again"


def test_a_deletion_that_cannot_be_confirmed_keeps_the_document(env):
    client, source, index = env
    client.delete_object(Bucket="keys-bucket", Key="a/2.md")
    report = ingest_keys(NoListing(client, deny_head="a/2.md"), source, "a/", index, [],
                         ["a/2.md"])
    assert report.deleted == 0 and [k for k, _ in report.failed] == ["a/2.md"]
    assert index.get("docs", "a/2.md") is not None
    assert [f.key for f in index.failures("docs")] == ["a/2.md"]
