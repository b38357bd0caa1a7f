"""The per-partition drift check: passes after a sync, fails on injected drift."""

from __future__ import annotations

from dataclasses import replace

from dagster import AssetSelection, define_asset_job, DagsterInstance, Definitions

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.defs.ingest.assets import build_documents_asset
from s3_ingest.defs.ingest.checks import build_drift_check
from s3_ingest.defs.resources.index import INDEX_KEY, IndexResource
from s3_ingest.defs.resources.s3 import s3_resource_for
from s3_ingest_tests.conftest import make_source, put_objects


def evaluate(source, index_path, instance, *, with_asset: bool):
    """Materialize partition a/ with its check, as the UI's asset page does (the sync job leaves
    the check out), or run the check alone."""
    check = build_drift_check(source)
    asset = build_documents_asset(source)
    defs = Definitions(
        assets=[asset], asset_checks=[check],
        jobs=[define_asset_job("with_check", selection=AssetSelection.assets(asset.key))],
        resources={INDEX_KEY: IndexResource(url=index_path), "s3_docs": s3_resource_for(source)},
    )
    job = defs.resolve_job_def("with_check")
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


def test_the_drift_job_checks_every_partition_of_the_source_on_demand(
    local_s3, s3_client, bucket, tmp_path
):
    from s3_ingest.cli.runner import check_drift, sync
    from s3_ingest.defs.resources.index import IndexResource as Index

    put_objects(s3_client, bucket, {"a/1.md": "one", "b/2.md": "two", "top.md": "top"})
    source = make_source(local_s3.endpoint_url, bucket)
    index, instance = Index(url=str(tmp_path / "i.db")), DagsterInstance.ephemeral()
    runs = sync([source], index=index, instance=instance)
    # Every run is a run of the source's sync job, with the source's tag (the run queue's
    # per-source limit applies to it): one run for the three partitions.
    recorded = instance.get_runs()
    assert {r.job_name for r in recorded} == {"docs_sync"} and len(recorded) == 1
    assert len(runs) == 3
    assert {r.tags["s3_ingest/source"] for r in recorded} == {"docs"}
    evaluation = check_drift(source, index, instance)
    assert evaluation.passed
    rows = {r.data["partition"]: r.data for r in evaluation.metadata["By partition"].value.records}
    assert set(rows) == {"(root)", "a/", "b/"} and all(r["in_step"] for r in rows.values())
    s3_client.delete_object(Bucket=bucket, Key="b/2.md")
    drifted = check_drift(source, index, instance)
    assert not drifted.passed and drifted.metadata["Orphaned"].value == 1
    assert [r.job_name for r in instance.get_runs()][:2] == ["docs_drift", "docs_drift"]


def test_a_documents_only_sync_runs_no_drift_check(local_s3, s3_client, bucket, tmp_path):
    """`sync --no-chunks` (and the benchmark) runs a subset of the sync job; a subset by asset
    keys alone would bring in the documents' checks, whose whole-source drift check lists
    every partition again in every run."""
    from s3_ingest.cli.runner import sync
    from s3_ingest.defs.resources.index import IndexResource as Index

    put_objects(s3_client, bucket, {"a/1.md": "one", "b/2.md": "two"})
    source = make_source(local_s3.endpoint_url, bucket)
    instance = DagsterInstance.ephemeral()
    runs = sync([source], index=Index(url=str(tmp_path / "i.db")), instance=instance,
                chunks=False)
    assert len(runs) == 2 and all(r.success for r in runs)
    assert sum(r.metadata["indexed"] for r in runs) == 2
    steps = {entry.step_key for run in instance.get_runs() for entry in instance.all_logs(run.run_id)
             if entry.dagster_event is not None and entry.dagster_event.event_type_value == "STEP_START"}
    assert steps == {"docs__documents"}
    # One partition (a run of its own, not a range) runs no drift check either.
    s3_client.put_object(Bucket=bucket, Key="a/3.md", Body=b"three")
    runs = sync([source], index=Index(url=str(tmp_path / "i.db")), instance=instance,
                chunks=False)
    assert [r.partition for r in runs] == ["a/"] and runs[0].success
    steps = {entry.step_key for run in instance.get_runs() for entry in instance.all_logs(run.run_id)
             if entry.dagster_event is not None and entry.dagster_event.event_type_value == "STEP_START"}
    assert steps == {"docs__documents"}
