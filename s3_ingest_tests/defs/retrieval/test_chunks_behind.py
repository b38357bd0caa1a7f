"""Chunks a killed or failed run left behind their documents are caught up by a sensor, as the
daemon evaluates its tick (issue 19), not only by the next `s3-ingest sync`."""

from __future__ import annotations

from dagster import DagsterRunStatus
from dagster._core.test_utils import create_run_for_test

from s3_ingest.cli.runner import source_definitions, sync
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.defs.ingest.jobs import build_sync_job, sync_job_name
from s3_ingest.defs.ingest.run_keys import CHANGE_TAG
from s3_ingest.defs.resources.index import IndexResource
from s3_ingest.defs.retrieval.assets import chunks_asset_key
from s3_ingest.defs.retrieval.chunks_behind import build_chunks_behind_sensor
from s3_ingest_tests.conftest import make_source, put_objects
from s3_ingest_tests.defs.ingest.harness import Daemon


def _failed(daemon: Daemon, request) -> None:
    create_run_for_test(daemon.instance, job_name="docs_sync", status=DagsterRunStatus.FAILURE,
                        tags=dict(request.tags) | {"dagster/run_key": request.run_key})


def test_chunks_left_behind_are_run_by_the_sensor_once_per_state(local_s3, s3_client, bucket,
                                                                  tmp_path):
    put_objects(s3_client, bucket, {"a/1.md": "# One\nKestrels nest on the roof.",
                                    "b/2.md": "# Two\nHerons fish at dawn."})
    source = make_source(local_s3.endpoint_url, bucket)
    index = IndexResource(url=str(tmp_path / "i.db"))
    daemon = Daemon(source, index.url)
    # Documents written, chunks not: the state a run killed between its two steps leaves.
    assert all(r.success for r in sync([source], index=index, instance=daemon.instance,
                                       chunks=False))
    assert SqliteIndex(index.url).documents_behind("docs") == 2
    sensor = build_chunks_behind_sensor(source, build_sync_job(source))

    # One run, the chunks alone, for both partitions behind.
    [request] = daemon.tick(sensor).run_requests
    assert list(request.asset_selection) == [chunks_asset_key(source)]
    assert (request.tags["dagster/asset_partition_range_start"],
            request.tags["dagster/asset_partition_range_end"]) == ("a/", "b/")
    assert [r.run_key for r in daemon.tick(sensor).run_requests] == [request.run_key]

    # It failed: asked for once more at once, then not every tick.
    _failed(daemon, request)
    [retry] = daemon.tick(sensor).run_requests
    assert retry.run_key == f"{request.run_key}:retry-1"
    _failed(daemon, retry)
    assert daemon.tick(sensor).run_requests == []

    # A new state of the documents behind is a new run key.
    put_objects(s3_client, bucket, {"a/1.md": "# One\nKestrels nest on the chimney."})
    sync([source], index=index, instance=daemon.instance, chunks=False)
    [new] = daemon.tick(sensor).run_requests
    assert new.tags[CHANGE_TAG] != request.tags[CHANGE_TAG] and ":retry-" not in new.run_key

    # Its run - the source's sync job, chunks selected - brings them in step.
    job = source_definitions(source, index).resolve_job_def(sync_job_name(source))
    result = job.get_subset(asset_selection={chunks_asset_key(source)},
                            asset_check_selection=set()).execute_in_process(
        instance=daemon.instance, tags=dict(new.tags) | {"dagster/run_key": new.run_key})
    assert result.success
    assert sorted(m.partition for m in result.asset_materializations_for_node(
        "docs__chunks")) == ["a/", "b/"]
    assert SqliteIndex(index.url).documents_behind("docs") == 0
    quiet = daemon.tick(sensor)
    assert quiet.run_requests == [] and "in step" in quiet.skip_message
