"""The prune plan (no Dagster): what it deletes, what it keeps and why, and the share guard."""

from __future__ import annotations

from datetime import datetime, timezone

from s3_ingest.core.documents import Document
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.sync.housekeeping import (
    HELD_GUARD,
    HELD_OBJECTS,
    apply_prune,
    partition_prefix,
    plan_prune,
    prefix_has_objects,
)
from s3_ingest_tests.conftest import make_source, put_objects

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def doc(key: str, partition: str) -> Document:
    return Document(source="docs", bucket="b", key=key, rel_path=key, partition=partition,
                    size=1, etag="e", last_modified=NOW, text="t")


def test_keys_outside_a_changed_prefix_are_one_removal_not_also_their_partitions(
    local_s3, s3_client, bucket, tmp_path
):
    index = SqliteIndex(str(tmp_path / "i.db"))
    index.upsert([doc("old/1", "old/"), doc("old/2", "old/"), doc("docs/a/1", "a/")])
    source = make_source(local_s3.endpoint_url, bucket, prefix="docs/")
    client = s3_client

    def probe(src, partition):
        return prefix_has_objects(client, src.bucket, partition_prefix(src, partition))

    plan = plan_prune(index, [source], {"docs": {"a/"}}, probe)
    assert [(r.label, r.count, r.held) for r in plan.removals] == [
        ("outside prefix docs", 2, None)]
    assert apply_prune(index, plan) == {"outside prefix docs": 2}
    assert set(index.manifest("docs")) == {"docs/a/1"}


def test_the_root_partition_is_kept_while_the_source_prefix_has_any_object(
    local_s3, s3_client, bucket, tmp_path
):
    put_objects(s3_client, bucket, {"docs/sub/x.txt": "x"})
    index = SqliteIndex(str(tmp_path / "i.db"))
    index.upsert([doc("docs/loose.txt", "(root)")])
    source = make_source(local_s3.endpoint_url, bucket, prefix="docs/")

    def probe(src, partition):
        return prefix_has_objects(s3_client, src.bucket, partition_prefix(src, partition))

    [removal] = plan_prune(index, [source], {"docs": set()}, probe).removals
    assert removal.held == HELD_OBJECTS and f"s3://{bucket}/docs/ still has" in removal.why


def test_the_guard_takes_the_share_of_the_source_for_keys_outside_its_prefix(tmp_path):
    index = SqliteIndex(str(tmp_path / "i.db"))
    index.upsert([doc(f"old/{n}", "old/") for n in range(10)] + [doc("docs/a/1", "a/")])
    source = make_source("http://127.0.0.1:1", "b", prefix="docs/")
    [held] = plan_prune(index, [source]).removals
    assert held.held == HELD_GUARD and "10 of 11" in held.why
    assert apply_prune(index, plan_prune(index, [source])) == {}
    forced = plan_prune(index, [source], force=True)
    assert [r.held for r in forced.removals] == [None]
    assert apply_prune(index, forced) == {"outside prefix docs": 10}
