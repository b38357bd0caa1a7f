"""The documents asset, materialized through Dagster against a real S3 HTTP endpoint."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from dagster import DagsterInstance, materialize

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.ingest.assets import build_documents_asset, documents_asset_key
from s3_ingest.defs.ingest.metadata import counts_of
from s3_ingest.defs.ingest.partitions import prefix_partitions
from s3_ingest.defs.resources.index import INDEX_KEY, IndexResource
from s3_ingest.defs.resources.s3 import S3SourceResource, s3_resource_for, s3_resource_key
from s3_ingest_tests.conftest import SECRET_ENV, make_source, put_objects
from s3_ingest_tests.local_s3_proxy import S3Proxy

HTML = (
    "<html><head><title>Security</title><script>var tracker = 'zebracode';</script>"
    "<style>.x{color:red}</style></head><body><h1>Security</h1><p>Rotate keys quarterly.</p>"
    "</body></html>"
)


def run_partition(
    source: Source, partition: str, index_path: Path, *, config: dict[str, Any] | None = None
) -> Any:
    asset = build_documents_asset(source)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(prefix_partitions(source).name, [partition])
    run_config = {"ops": {asset.op.name: {"config": config}}} if config else None
    return materialize(
        [asset],
        partition_key=partition,
        instance=instance,
        resources={
            INDEX_KEY: IndexResource(url=str(index_path)),
            s3_resource_key(source): s3_resource_for(source),
        },
        run_config=run_config,
        raise_on_error=False,
    )


def metadata_of(result: Any, source: Source) -> dict[str, Any]:
    """The counts by report field name (see counts_of), and every entry by its UI label."""
    [materialization] = result.asset_materializations_for_node(f"{source.name}__documents")
    metadata = materialization.metadata
    return {k: getattr(v, "value", v) for k, v in metadata.items()} | counts_of(metadata)


def failure_of(result: Any) -> str:
    for event in result.all_events:
        if event.is_step_failure:
            return event.step_failure_data.user_failure_data.description
    raise AssertionError("the run did not fail")


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    return tmp_path / "index.db"


def test_partition_materializes_documents_with_metadata(local_s3, s3_client, bucket, index_path):
    put_objects(
        s3_client,
        bucket,
        {
            "users/u-1/plan.md": "# Plan\nShip the quarterly roadmap.",
            "users/u-1/security.html": HTML,
            "users/u-1/logo.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
            "users/u-2/other.md": "not in this partition",
            "loose.txt": "not in this partition either",
        },
    )
    source = make_source(
        local_s3.endpoint_url, bucket, prefix="users/", tag_regex="^users/(?P<user>[^/]+)/",
        tags={"team": "docs"},
    )
    result = run_partition(source, "u-1/", index_path)
    assert result.success
    meta = metadata_of(result, source)
    assert (meta["listed"], meta["selected"], meta["fetched"]) == (3, 3, 3)
    assert (meta["indexed"], meta["metadata_only"], meta["failed"]) == (2, 1, 0)
    assert meta["dagster/row_count"] == 3
    rows = {row.data["key"]: row.data for row in meta["Documents written"].records}
    assert set(rows) == {"users/u-1/plan.md", "users/u-1/security.html", "users/u-1/logo.png"}
    assert rows["users/u-1/plan.md"]["title"] == "Plan"
    assert rows["users/u-1/logo.png"]["status"] == "metadata only"
    assert "unsupported type" in rows["users/u-1/logo.png"]["reason"]
    assert "u-1/" in meta["Summary"] and meta["Fetched size"].endswith(("B", "KB"))
    # Where the CPU went, by stage, reaches the run's metadata (values are the bench's business).
    assert set(meta["cpu"]) == {"list", "diff", "fetch", "extract", "index"}

    index = SqliteIndex(str(index_path))
    doc = index.get("docs", "users/u-1/plan.md")
    assert doc.rel_path == "u-1/plan.md" and doc.partition == "u-1/"
    assert doc.tags == {"team": "docs", "user": "u-1"}
    assert doc.title == "Plan" and "roadmap" in doc.text
    png = index.get("docs", "users/u-1/logo.png")
    assert png.status == "metadata_only" and "unsupported type" in png.reason
    assert [h.key for h in index.search("rotate keys")] == ["users/u-1/security.html"]
    assert index.search("zebracode") == []  # script text is not visible text
    assert index.get("docs", "users/u-2/other.md") is None


def test_second_run_with_nothing_changed_gets_nothing_and_writes_nothing(
    local_s3, s3_client, bucket, index_path
):
    put_objects(s3_client, bucket, {f"a/{i}.md": f"doc {i}" for i in range(12)})
    with S3Proxy(local_s3.endpoint_url) as proxy:
        source = make_source(proxy.url, bucket)
        first = run_partition(source, "a/", index_path)
        assert first.success and metadata_of(first, source)["indexed"] == 12
        assert proxy.stats.requests["get"] == 12
        proxy.stats.requests.clear()

        watcher = sqlite3.connect(index_path)
        version = watcher.execute("PRAGMA data_version").fetchone()[0]
        second = run_partition(source, "a/", index_path)
        assert second.success
        # data_version moves whenever another connection commits: no write happened at all.
        assert watcher.execute("PRAGMA data_version").fetchone()[0] == version
        watcher.close()
        meta = metadata_of(second, source)
        assert proxy.stats.requests["get"] == 0 and proxy.stats.requests["head"] == 0
        assert proxy.stats.requests["list"] >= 1
        assert (meta["unchanged"], meta["indexed"], meta["fetched"]) == (12, 0, 0)
    assert SqliteIndex(str(index_path)).count("docs") == 12


def test_changes_reach_the_index_and_only_changed_objects_are_fetched(
    local_s3, s3_client, bucket, index_path
):
    put_objects(s3_client, bucket, {"a/keep.md": "kept", "a/edit.md": "old words",
                                    "a/gone.md": "soon gone"})
    with S3Proxy(local_s3.endpoint_url) as proxy:
        source = make_source(proxy.url, bucket)
        assert run_partition(source, "a/", index_path).success
        put_objects(s3_client, bucket, {"a/edit.md": "fresh words", "a/new.md": "brand new"})
        s3_client.delete_object(Bucket=bucket, Key="a/gone.md")
        proxy.stats.requests.clear()
        result = run_partition(source, "a/", index_path)
    assert result.success
    meta = metadata_of(result, source)
    assert (meta["fetched"], meta["deleted"], meta["unchanged"]) == (2, 1, 1)
    assert proxy.stats.requests["get"] == 2
    index = SqliteIndex(str(index_path))
    assert [h.key for h in index.search("fresh")] == ["a/edit.md"]
    assert index.search("old") == []
    assert index.get("docs", "a/gone.md") is None
    assert index.count("docs") == 3


def test_missing_bucket_fails_once_with_an_actionable_message(local_s3, index_path):
    source = make_source(local_s3.endpoint_url, "no-such-bucket-here")
    result = run_partition(source, "(root)", index_path)
    assert not result.success
    message = failure_of(result)
    assert "source 'docs'" in message and "no-such-bucket-here" in message
    assert "not found" in message and "404" in message
    retries = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert retries == []  # a missing bucket is not worth retrying


def test_missing_credentials_variable_is_named_not_leaked(
    local_s3, bucket, index_path, monkeypatch
):
    monkeypatch.delenv(SECRET_ENV)
    source = make_source(local_s3.endpoint_url, bucket)
    with pytest.raises(Exception, match=SECRET_ENV):
        run_partition(source, "(root)", index_path)


def test_corrupt_pdf_and_oversized_object_do_not_stop_the_run(
    local_s3, s3_client, bucket, index_path
):
    put_objects(
        s3_client,
        bucket,
        {
            "r/broken.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> trunc",
            "r/huge.txt": "x" * 5000,
            "r/fine.txt": "a fine document about kestrels",
        },
    )
    source = make_source(local_s3.endpoint_url, bucket, max_file_size=1000)
    result = run_partition(source, "r/", index_path)
    assert result.success
    meta = metadata_of(result, source)
    assert meta["skipped_too_large"] == 1 and meta["failed"] == 0
    index = SqliteIndex(str(index_path))
    broken = index.get("docs", "r/broken.pdf")
    assert broken.status == "metadata_only" and "pdf" in broken.reason.lower()
    assert index.get("docs", "r/huge.txt") is None
    assert [h.key for h in index.search("kestrels")] == ["r/fine.txt"]


def test_a_failed_listing_loses_nothing_already_indexed(local_s3, s3_client, bucket, index_path):
    put_objects(s3_client, bucket, {"a/one.md": "first document"})
    source = make_source(local_s3.endpoint_url, bucket)
    assert run_partition(source, "a/", index_path).success
    wrong = make_source(local_s3.endpoint_url, bucket + "-missing")
    wrong = wrong.model_copy(update={"name": "docs"})
    assert not run_partition(wrong, "a/", index_path).success
    assert SqliteIndex(str(index_path)).count("docs") == 1


def test_delete_guard_holds_a_mass_deletion_until_forced(local_s3, s3_client, bucket, index_path):
    put_objects(s3_client, bucket, {f"a/{i:02d}.md": f"doc {i}" for i in range(12)})
    source = make_source(local_s3.endpoint_url, bucket)
    assert run_partition(source, "a/", index_path).success
    for i in range(11):
        s3_client.delete_object(Bucket=bucket, Key=f"a/{i:02d}.md")
    held = run_partition(source, "a/", index_path)
    assert not held.success
    message = failure_of(held)
    assert "would delete 11 of 12" in message and "force_delete" in message
    assert SqliteIndex(str(index_path)).count("docs") == 12

    forced = run_partition(source, "a/", index_path, config={"force_delete": True})
    assert forced.success and metadata_of(forced, source)["deleted"] == 11
    assert set(SqliteIndex(str(index_path)).manifest("docs")) == {"a/11.md"}


def test_full_mode_refetches_and_reextracts_everything(local_s3, s3_client, bucket, index_path):
    put_objects(s3_client, bucket, {"a/1.md": "one", "a/2.md": "two"})
    source = make_source(local_s3.endpoint_url, bucket)
    run_partition(source, "a/", index_path)
    again = run_partition(source, "a/", index_path, config={"full": True})
    assert metadata_of(again, source)["fetched"] == 2 and metadata_of(again, source)["unchanged"] == 0


class ThrottledOnce(S3SourceResource):
    """The source's client, but the first listing fails with SlowDown after botocore's retries,
    as a throttled bucket would: Dagster's RetryPolicy must run the step again."""

    def get_client(self):
        client = super().get_client()

        class Throttled:
            def __getattr__(self, name):
                return getattr(client, name)

            def list_objects_v2(self, **kwargs):
                if not THROTTLED:
                    THROTTLED.append(kwargs["Prefix"])
                    raise ClientError({"Error": {"Code": "SlowDown"},
                                       "ResponseMetadata": {"HTTPStatusCode": 503}},
                                      "ListObjectsV2")
                return client.list_objects_v2(**kwargs)

        return Throttled()


THROTTLED: list[str] = []


def test_a_step_that_still_fails_on_throttling_is_retried_by_dagster(
    local_s3, s3_client, bucket, index_path
):
    put_objects(s3_client, bucket, {"a/1.md": "one"})
    source = make_source(local_s3.endpoint_url, bucket)
    asset = build_documents_asset(source)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("docs_prefixes", ["a/"])
    throttled = ThrottledOnce(**{
        name: getattr(s3_resource_for(source), name)
        for name in S3SourceResource.model_fields if getattr(s3_resource_for(source), name)
        is not None
    })
    THROTTLED.clear()
    result = materialize([asset], partition_key="a/", instance=instance, raise_on_error=False,
                         resources={INDEX_KEY: IndexResource(url=str(index_path)),
                                    "s3_docs": throttled})
    # A run's first listing is its walk of the source (prefix "") for the document_limit cutoff.
    assert THROTTLED == [""] and result.success
    kinds = [e.event_type_value for e in result.all_events]
    assert "STEP_UP_FOR_RETRY" in kinds and "STEP_RESTARTED" in kinds
    assert SqliteIndex(str(index_path)).count("docs") == 1


def test_a_run_that_changed_nothing_says_so_with_the_totals(local_s3, s3_client, bucket,
                                                            index_path):
    put_objects(s3_client, bucket, {"a/1.md": "one", "a/2.md": "two", "b/3.md": "three"})
    source = make_source(local_s3.endpoint_url, bucket)
    run_partition(source, "b/", index_path)
    assert run_partition(source, "a/", index_path).success
    again = metadata_of(run_partition(source, "a/", index_path), source)
    assert "Documents written" not in again  # no empty table
    assert "**Nothing changed**: 2 documents in this partition, 3 in the source" in again["Summary"]
    assert again["dagster/row_count"] == 3 and again["Documents in partition"] == 2
    assert again["Mode"] == "listing" and again["Duration"].endswith(" s")


def test_the_asset_shows_where_its_objects_come_from_and_who_owns_it():
    source = make_source("http://127.0.0.1:9000", "docs-bucket", prefix="team/",
                         owners=["ana@example.com", "team:search"], extensions=[".md"],
                         credentials={"access_key_id_env": "KEY_ENV_NAME",
                                      "secret_access_key_env": "SECRET_ENV_NAME"})
    spec = build_documents_asset(source).specs_by_key[documents_asset_key(source)]
    shown = {k: getattr(v, "value", v) for k, v in spec.metadata.items()}
    assert shown["Bucket"] == "docs-bucket" and shown["Prefix"] == "team/"
    assert shown["Endpoint"] == "http://127.0.0.1:9000"
    assert "extensions .md" in shown["Selection"]
    assert spec.owners == ["ana@example.com", "team:search"]
    assert "s3://docs-bucket/team/" in spec.description
    assert "SECRET_ENV_NAME" not in repr(spec) and "KEY_ENV_NAME" not in repr(spec)


def test_owners_must_be_emails_or_teams():
    with pytest.raises(ValueError, match="not an email or team"):
        make_source("http://127.0.0.1:9000", "b", owners=["just a name"])


def test_a_run_launched_without_the_source_tag_gets_it(local_s3, s3_client, bucket, index_path):
    """The asset page's Materialize and backfills launch the implicit asset job, untagged."""
    put_objects(s3_client, bucket, {"a/1.md": "one"})
    source = make_source(local_s3.endpoint_url, bucket)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("docs_prefixes", ["a/"])
    result = materialize([build_documents_asset(source)], partition_key="a/", instance=instance,
                         resources={INDEX_KEY: IndexResource(url=str(index_path)),
                                    "s3_docs": s3_resource_for(source)})
    assert result.success
    assert instance.get_run_by_id(result.run_id).tags["s3_ingest/source"] == "docs"
