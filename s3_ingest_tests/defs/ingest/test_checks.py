"""The per-partition drift check: passes after a sync, fails on injected drift."""

from __future__ import annotations

from dataclasses import replace

from dagster import DagsterInstance, Definitions

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.defs.ingest.assets import build_documents_asset
from s3_ingest.defs.ingest.checks import build_drift_check
from s3_ingest.defs.ingest.schedules import build_sync_job
from s3_ingest.defs.resources.index import IndexResource
from s3_ingest.defs.resources.s3 import s3_resource_for
from s3_ingest_tests.conftest import make_source, put_objects


def evaluate(source, index_path, instance, *, with_asset: bool):
    """Run the source's sync job for partition a/: the asset and its check, or the check alone."""
    check = build_drift_check(source)
    defs = Definitions(
        assets=[build_documents_asset(source)], asset_checks=[check],
        jobs=[build_sync_job(source)],
        resources={"index": IndexResource(url=index_path), "s3_docs": s3_resource_for(source)},
    )
    job = defs.resolve_job_def("docs_sync")
    if not with_asset:
        job = job.get_subset(asset_selection=set(), asset_check_selection={check.check_key})
    result = job.execute_in_process(partition_key="a/", instance=instance, raise_on_error=False)
    [evaluation] = [e.asset_check_evaluation_data for e in result.all_events
                    if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    return evaluation


def test_check_passes_after_sync_and_fails_on_each_kind_of_drift(
    local_s3, s3_client, bucket, tmp_path
):
    put_objects(s3_client, bucket, {"a/1.md": "one", "a/2.md": "two", "a/3.md": "three"})
    source = make_source(local_s3.endpoint_url, bucket)
    index_path = str(tmp_path / "i.db")
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("docs_prefixes", ["a/"])
    synced = evaluate(source, index_path, instance, with_asset=True)
    assert synced.passed and synced.partition == "a/"

    put_objects(s3_client, bucket, {"a/new.md": "missing from the index", "a/2.md": "changed"})
    s3_client.delete_object(Bucket=bucket, Key="a/3.md")
    index = SqliteIndex(index_path)
    doc = index.get("docs", "a/1.md")
    index.upsert([replace(doc, key="a/ghost.md", rel_path="a/ghost.md")])
    drifted = evaluate(source, index_path, instance, with_asset=False)
    meta = {k: v.value for k, v in drifted.metadata.items()}
    assert not drifted.passed
    assert (meta["missing"], meta["stale"]) == (1, 1)
    assert meta["orphaned"] == 2  # a/3.md deleted in the bucket, a/ghost.md never there
    assert meta["examples"]["missing"] == ["a/new.md"]

    assert evaluate(source, index_path, instance, with_asset=True).passed
