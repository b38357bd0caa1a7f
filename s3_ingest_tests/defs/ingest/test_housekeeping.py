"""The housekeeping job against moto's S3: removing a source, or a prefix partition whose prefix
has no objects left, removes its documents - planned, guarded, reported as run metadata - and a
partition the index holds whose prefix still has objects is kept and registered."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from dagster import DagsterInstance, Definitions

from s3_ingest.core.documents import Document
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.defs.ingest.housekeeping import build_housekeeping_job
from s3_ingest.defs.resources.index import INDEX_KEY, IndexResource
from s3_ingest_tests.conftest import make_source, put_objects

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
PARTITIONS = "docs_prefixes"


def doc(source: str, key: str, partition: str) -> Document:
    return Document(source=source, bucket="b", key=key, rel_path=key, partition=partition,
                    size=1, etag="e", last_modified=NOW, text="t")


def run_housekeeping(source, path: str, instance: DagsterInstance, **config):
    defs = Definitions(jobs=[build_housekeeping_job([source])],
                       resources={INDEX_KEY: IndexResource(url=path)})
    return defs.resolve_job_def("index_housekeeping").execute_in_process(
        instance=instance, raise_on_error=False,
        run_config={"ops": {"prune_removed": {"config": config}}},
    )


def metadata_of(result) -> dict:
    for event in result.all_events:
        if event.is_successful_output:
            return dict(event.step_output_data.metadata)
        if event.is_step_failure:
            return dict(event.step_failure_data.user_failure_data.metadata)
    raise AssertionError("no output or failure event")


@pytest.fixture
def seeded(local_s3, s3_client, bucket, tmp_path):
    """a/ still has objects in the bucket, b/ has none; neither is registered in Dagster (as
    after a `sync` without DAGSTER_HOME); gone_source is no longer configured."""
    put_objects(s3_client, bucket, {"a/1.txt": "one"})
    path = str(tmp_path / "i.db")
    SqliteIndex(path).upsert([doc("gone_source", "x/1", "x/"), doc("docs", "a/1.txt", "a/"),
                              doc("docs", "b/1", "b/"), doc("docs", "b/2", "b/")])
    return make_source(local_s3.endpoint_url, bucket), path


def test_a_partition_with_objects_is_kept_and_registered_one_without_is_removed(seeded):
    source, path = seeded
    instance = DagsterInstance.ephemeral()
    result = run_housekeeping(source, path, instance)
    assert result.success
    assert SqliteIndex(path).sources() == {"docs": 1}
    assert set(SqliteIndex(path).manifest("docs")) == {"a/1.txt"}
    assert instance.get_dynamic_partitions(PARTITIONS) == ["a/"]

    metadata = metadata_of(result)
    assert metadata["deleted"].value == 3 and metadata["held_back"].value == 1
    table = metadata["removals"].value
    assert "| partition docs b/ | 2 | deleted 2 |" in table
    assert "| source gone_source | 1 | deleted 1 |" in table
    assert "| partition docs a/ | 1 | kept: s3://" in table and "still has objects" in table
    kinds = {(r["kind"], r["partition"], r["held"]) for r in metadata["plan"].value}
    assert kinds == {("source", None, None), ("partition", "b/", None),
                     ("partition", "a/", "objects")}


def test_keep_removed_only_reports_what_it_would_delete(seeded):
    source, path = seeded
    result = run_housekeeping(source, path, DagsterInstance.ephemeral(), keep_removed=True)
    assert result.success
    assert SqliteIndex(path).sources() == {"gone_source": 1, "docs": 3}
    metadata = metadata_of(result)
    assert metadata["would_delete"].value == 3 and "deleted" not in metadata
    assert "| partition docs b/ | 2 | would delete |" in metadata["removals"].value


def test_a_prefix_that_cannot_be_listed_keeps_its_partition(local_s3, tmp_path):
    path = str(tmp_path / "i.db")
    SqliteIndex(path).upsert([doc("docs", "b/1", "b/")])
    source = make_source(local_s3.endpoint_url, "no-such-bucket-for-housekeeping")
    result = run_housekeeping(source, path, DagsterInstance.ephemeral())
    assert result.success and SqliteIndex(path).count("docs") == 1
    [planned] = metadata_of(result)["plan"].value
    assert planned["held"] == "unlisted" and "NoSuchBucket" in planned["why"]


def test_the_share_guard_holds_back_a_large_removal_until_forced(local_s3, bucket, tmp_path):
    path = str(tmp_path / "i.db")
    SqliteIndex(path).upsert([doc("gone_source", f"x/{n}", "x/") for n in range(12)]
                             + [doc("docs", "b/1", "b/")])
    source = make_source(local_s3.endpoint_url, bucket)
    instance = DagsterInstance.ephemeral()

    held = run_housekeeping(source, path, instance)
    assert not held.success
    failure = next(e for e in held.all_events if e.is_step_failure).step_failure_data
    assert "delete guard" in failure.user_failure_data.description
    assert "source gone_source" in failure.user_failure_data.description
    metadata = metadata_of(held)
    assert metadata["deleted"].value == 1 and metadata["held_back"].value == 12
    assert SqliteIndex(path).sources() == {"gone_source": 12}  # the small removal was applied

    forced = run_housekeeping(source, path, instance, force_delete=True)
    assert forced.success and SqliteIndex(path).sources() == {}
