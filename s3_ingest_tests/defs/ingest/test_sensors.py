"""The polling sensor against a real S3 endpoint: every change reaches the index."""

from __future__ import annotations

import json

import pytest

from botocore.exceptions import ClientError

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.defs.ingest.metadata import counts_of
from s3_ingest.defs.ingest.sensors import build_poll_sensor
from s3_ingest.defs.resources.s3 import S3SourceResource, s3_resource_for
from s3_ingest_tests.conftest import make_source, put_objects
from s3_ingest_tests.defs.ingest.harness import Daemon, changed_plans
from s3_ingest_tests.local_s3_proxy import S3Proxy


@pytest.fixture
def index_path(tmp_path):
    return str(tmp_path / "index.db")


def keys_in(index_path: str) -> set[str]:
    index = SqliteIndex(index_path)
    return set(index.manifest("docs"))


def test_first_tick_adds_partitions_and_runs_them(local_s3, s3_client, bucket, index_path):
    put_objects(s3_client, bucket, {"a/1.md": "one", "a/2.md": "two", "b/3.md": "three",
                                    "top.md": "loose"})
    source = make_source(local_s3.endpoint_url, bucket)
    daemon, sensor = Daemon(source, index_path), build_poll_sensor(source)
    result = daemon.tick(sensor)
    # One run for the three partitions (issue 23), each with its plan.
    assert len(result.run_requests) == 1
    assert sorted(changed_plans(result)) == ["(root)", "a/", "b/"]
    # The run queue limits runs per source by this tag (dagster.yaml).
    assert {r.tags["s3_ingest/source"] for r in result.run_requests} == {"docs"}
    assert set(daemon.instance.get_dynamic_partitions("docs_prefixes")) == {"(root)", "a/", "b/"}
    assert all(r.success for r in daemon.run_requests(result))
    assert keys_in(index_path) == {"a/1.md", "a/2.md", "b/3.md", "top.md"}
    assert len(json.dumps(json.loads(daemon.cursors[sensor.name]))) < 200


def test_changes_are_found_and_only_changed_partitions_run(local_s3, s3_client, bucket,
                                                           index_path):
    put_objects(s3_client, bucket, {"a/1.md": "one", "b/2.md": "two", "c/3.md": "three"})
    with S3Proxy(local_s3.endpoint_url) as proxy:
        source = make_source(proxy.url, bucket)
        daemon, sensor = Daemon(source, index_path), build_poll_sensor(source)
        daemon.run_requests(daemon.tick(sensor))

        quiet = daemon.tick(sensor)
        assert quiet.run_requests == [] and quiet.dynamic_partitions_requests == []

        put_objects(s3_client, bucket, {"a/1.md": "one, edited", "d/4.md": "new prefix"})
        s3_client.delete_object(Bucket=bucket, Key="b/2.md")
        proxy.stats.requests.clear()
        result = daemon.tick(sensor)
        assert proxy.stats.requests["get"] == 0  # the sensor only lists
        # One run for the changed partitions; c/, between them, rides along with nothing to do.
        [request] = result.run_requests
        assert request.partition_key is None
        assert (request.tags["dagster/asset_partition_range_start"],
                request.tags["dagster/asset_partition_range_end"]) == ("a/", "d/")
        configs = changed_plans(result)
        assert sorted(configs) == ["a/", "b/", "d/"]
        # The changed object as the scan listed it; the deletion, to confirm.
        assert [o["key"] for o in configs["a/"]["objects"]] == ["a/1.md"]
        assert configs["a/"]["objects"][0]["etag"] and configs["a/"]["deletions"] == []
        assert configs["b/"]["objects"] == [] and configs["b/"]["deletions"] == ["b/2.md"]
        assert configs["a/"]["scan"]["listed"] == 1 and configs["a/"]["scan"]["unchanged"] == 0
        proxy.stats.requests.clear()
        runs = daemon.run_requests(result)
        # The run fetches exactly the changed keys, confirms the deletion, and lists nothing.
        assert proxy.stats.requests["list"] == 0
        assert proxy.stats.requests["get"] == 2 and proxy.stats.requests["head"] == 1
        assert daemon.tick(sensor).run_requests == []
    assert all(r.success for r in runs)
    # Each partition of the run is materialized with its own metadata.
    [run] = runs
    written = {m.partition: counts_of(m.metadata) for m in run.asset_materializations_for_node(
        "docs__documents")}
    assert sorted(written) == ["a/", "b/", "c/", "d/"]
    assert (written["a/"]["fetched"], written["b/"]["deleted"], written["d/"]["fetched"]) == (
        1, 1, 1)
    assert written["c/"]["fetched"] == written["c/"]["deleted"] == 0
    assert keys_in(index_path) == {"a/1.md", "c/3.md", "d/4.md"}
    assert [h.key for h in SqliteIndex(index_path).search("edited")] == ["a/1.md"]


class DeniedGets(S3SourceResource):
    """The source's client, but every GetObject is denied: runs fail past the failure share."""

    def get_client(self):
        client = super().get_client()

        class Denied:
            def __getattr__(self, name):
                return getattr(client, name)

            def get_object(self, **kwargs):
                raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"},
                                   "ResponseMetadata": {"HTTPStatusCode": 403}}, "GetObject")

        return Denied()


def test_a_change_whose_run_failed_is_asked_for_again_under_a_new_key(
    local_s3, s3_client, bucket, index_path
):
    put_objects(s3_client, bucket, {"a/1.md": "one"})
    source = make_source(local_s3.endpoint_url, bucket)
    daemon, sensor = Daemon(source, index_path), build_poll_sensor(source)
    [request] = daemon.tick(sensor).run_requests
    denied = DeniedGets(**s3_resource_for(source)._get_non_default_public_field_values())
    failed = daemon.run(request.partition_key, run_key=request.run_key, tags=request.tags,
                        config=request.run_config["ops"]["docs__documents"]["config"],
                        resources=daemon.resources | {"s3_docs": denied})
    assert not failed.success and keys_in(index_path) == set()
    assert [f.key for f in SqliteIndex(index_path).failures("docs")] == ["a/1.md"]

    # Dagster never runs a key twice: the same change comes back under a new one.
    [retry] = daemon.tick(sensor).run_requests
    assert retry.run_key == f"{request.run_key}:retry-1"
    [ok] = daemon.run_requests(daemon.tick(sensor))
    assert ok.success and keys_in(index_path) == {"a/1.md"}
    assert daemon.tick(sensor).run_requests == []

    put_objects(s3_client, bucket, {"a/2.md": "two"})
    [later] = daemon.run_requests(daemon.tick(sensor))
    assert later.success and keys_in(index_path) == {"a/1.md", "a/2.md"}


def test_retries_of_a_failing_change_pause_longer_each_time_and_stop():
    from s3_ingest.defs.ingest.run_keys import MAX_RETRIES, retry_pause_s

    pauses = [retry_pause_s(n) for n in range(1, MAX_RETRIES + 1)]
    assert pauses[0] == 0 and all(a < b for a, b in zip(pauses[1:], pauses[2:]))


def test_versioned_bucket_indexes_latest_version_and_delete_marker_removes(
    local_s3, s3_client, bucket, index_path
):
    s3_client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    put_objects(s3_client, bucket, {"v/doc.md": "first version", "v/other.md": "stays"})
    source = make_source(local_s3.endpoint_url, bucket)
    daemon, sensor = Daemon(source, index_path), build_poll_sensor(source)
    daemon.run_requests(daemon.tick(sensor))
    v1 = SqliteIndex(index_path).get("docs", "v/doc.md").version_id

    latest = s3_client.put_object(Bucket=bucket, Key="v/doc.md", Body=b"second version")
    daemon.run_requests(daemon.tick(sensor))
    doc = SqliteIndex(index_path).get("docs", "v/doc.md")
    assert doc.version_id == latest["VersionId"] != v1 and "second" in doc.text

    s3_client.delete_object(Bucket=bucket, Key="v/doc.md")  # a delete marker
    daemon.run_requests(daemon.tick(sensor))
    assert keys_in(index_path) == {"v/other.md"}


def test_overwrite_with_identical_content_is_seen(local_s3, s3_client, bucket, index_path):
    put_objects(s3_client, bucket, {"a/same.md": "same bytes"})
    source = make_source(local_s3.endpoint_url, bucket)
    daemon, sensor = Daemon(source, index_path), build_poll_sensor(source)
    daemon.run_requests(daemon.tick(sensor))
    before = SqliteIndex(index_path).get("docs", "a/same.md").last_modified
    import time

    time.sleep(1.1)  # S3 last-modified has one-second resolution
    put_objects(s3_client, bucket, {"a/same.md": "same bytes"})
    result = daemon.tick(sensor)
    assert list(changed_plans(result)) == ["a/"]
    daemon.run_requests(result)
    assert SqliteIndex(index_path).get("docs", "a/same.md").last_modified > before
