"""A sync lists each partition once (issue 23): its runs use what the scan listed - in their
config, or in a spill file when there are many changes - and a backfill with no scan lists.
One run covers the changed partitions, each materialized with its own metadata."""

from __future__ import annotations

from pathlib import Path

from dagster import DagsterInstance

from s3_ingest.cli.runner import sync
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.plan.partition_changes import TARGETED_MAX_KEYS
from s3_ingest.defs.ingest.metadata import counts_of
from s3_ingest.defs.ingest.run_requests import plan_directory
from s3_ingest.defs.resources.index import IndexResource
from s3_ingest_tests.conftest import make_source, put_objects
from s3_ingest_tests.defs.ingest.harness import Daemon
from s3_ingest_tests.local_s3_proxy import S3Proxy

MANY = TARGETED_MAX_KEYS + 20  # more changes than a run's config carries: they spill


def _fill(s3_client, bucket: str) -> None:
    put_objects(s3_client, bucket, {f"a/{i:04d}.md": f"doc {i}" for i in range(MANY)}
                | {"b/1.md": "bee", "c/1.md": "sea"})


def _spills(instance: DagsterInstance) -> list[Path]:
    directory = plan_directory(instance)
    return sorted(directory.iterdir()) if directory.exists() else []


def test_a_full_sync_lists_the_bucket_once_and_runs_once(local_s3, s3_client, bucket, tmp_path):
    _fill(s3_client, bucket)
    instance = DagsterInstance.local_temp(str(tmp_path))
    with S3Proxy(local_s3.endpoint_url) as proxy:
        source = make_source(proxy.url, bucket)
        runs = sync([source], index=IndexResource(url=str(tmp_path / "i.db")),
                    instance=instance, chunks=False)
        # One ListObjectsV2 pass: the scan's (MANY + 2 keys fit one page of 1,000). The runs,
        # a/'s from its spill file, list nothing again.
        assert proxy.stats.requests["list"] == 1
        assert proxy.stats.requests["get"] == MANY + 2
    assert all(r.success for r in runs) and [r.partition for r in runs] == ["a/", "b/", "c/"]
    assert {r.partition: r.metadata["fetched"] for r in runs} == {"a/": MANY, "b/": 1, "c/": 1}
    assert {r.partition: r.metadata["listed"] for r in runs} == {"a/": MANY, "b/": 1, "c/": 1}
    # One run of the sync job for the three partitions, each materialized with its metadata.
    [record] = instance.get_runs()
    assert record.job_name == "docs_sync"
    materialized = instance.fetch_materializations(
        source_asset_key("docs"), limit=10).records
    assert sorted(m.partition_key for m in materialized) == ["a/", "b/", "c/"]
    # The spill file is gone once its partition is in step.
    assert _spills(instance) == []
    assert len(SqliteIndex(str(tmp_path / "i.db")).manifest("docs")) == MANY + 2


def source_asset_key(name: str):
    from s3_ingest.defs.ingest.assets import documents_asset_key

    return documents_asset_key(make_source("http://x", "b", name=name))


def test_a_run_whose_spill_file_is_gone_lists_its_partition(local_s3, s3_client, bucket,
                                                            tmp_path):
    """Stale or missing plans are safe: the run lists instead, and indexes the same."""
    from s3_ingest.cli import runner

    _fill(s3_client, bucket)
    instance = DagsterInstance.local_temp(str(tmp_path))
    original = runner.run_partitions

    def spills_removed(*args, **kwargs):
        for path in _spills(instance):
            path.unlink()
        return original(*args, **kwargs)

    runner.run_partitions = spills_removed
    try:
        with S3Proxy(local_s3.endpoint_url) as proxy:
            runs = sync([make_source(proxy.url, bucket)],
                        index=IndexResource(url=str(tmp_path / "i.db")), instance=instance,
                        chunks=False)
            # The scan's, and a/'s own listing (with the source's document_limit, its walk to
            # the cutoff too).
            assert proxy.stats.requests["list"] >= 2
    finally:
        runner.run_partitions = original
    assert all(r.success for r in runs)
    assert runs[0].metadata["mode"] == "listing" and runs[0].metadata["fetched"] == MANY
    assert len(SqliteIndex(str(tmp_path / "i.db")).manifest("docs")) == MANY + 2


def test_a_backfill_from_the_ui_has_no_scan_and_lists(local_s3, s3_client, bucket, tmp_path):
    put_objects(s3_client, bucket, {"a/1.md": "one", "a/2.md": "two"})
    with S3Proxy(local_s3.endpoint_url) as proxy:
        daemon = Daemon(make_source(proxy.url, bucket), str(tmp_path / "i.db"))
        result = daemon.run("a/")  # a launch with no config, as the UI's backfill is
        assert proxy.stats.requests["list"] >= 1
    assert result.success
    [materialization] = result.asset_materializations_for_node("docs__documents")
    assert counts_of(materialization.metadata)["mode"] == "listing"
    assert set(SqliteIndex(str(tmp_path / "i.db")).manifest("docs")) == {"a/1.md", "a/2.md"}


def test_in_one_run_for_many_partitions_a_failed_one_does_not_hide_the_others(
    local_s3, s3_client, bucket, tmp_path
):
    put_objects(s3_client, bucket, {f"b/{i:02d}.md": f"bee {i}" for i in range(12)}
                | {"a/1.md": "one"})
    source = make_source(local_s3.endpoint_url, bucket)
    index = IndexResource(url=str(tmp_path / "i.db"))
    instance = DagsterInstance.local_temp(str(tmp_path))
    assert all(r.success for r in sync([source], index=index, instance=instance, chunks=False))
    put_objects(s3_client, bucket, {"a/2.md": "two"})
    for i in range(1, 12):  # most of b/ gone: past the delete guard
        s3_client.delete_object(Bucket=bucket, Key=f"b/{i:02d}.md")
    runs = {r.partition: r for r in sync([source], index=index, instance=instance,
                                         chunks=False)}
    assert len(instance.get_runs()) == 2  # the first fill's run and this one
    assert runs["a/"].success and runs["a/"].metadata["fetched"] == 1
    assert not runs["b/"].success and "nothing was deleted" in runs["b/"].error
    latest = instance.get_runs(limit=1)[0]
    written = [m.partition_key for m in instance.fetch_materializations(
        source_asset_key("docs"), limit=10).records if m.run_id == latest.run_id]
    assert written == ["a/"]  # a/ is in step and says so; b/ is not
