"""The budgeted change scan: resumable listing compared with the index, one page at a time."""

from __future__ import annotations

import boto3

from s3_ingest.core.documents import Document
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.plan.change_scan import scan_changes
from s3_ingest.core.s3.partition_keys import partition_of
from s3_ingest_tests.conftest import make_source, put_objects
from s3_ingest_tests.local_s3_proxy import ProxySettings, S3Proxy


class SlowPages:
    """A client whose every ListObjectsV2 page costs `seconds` of a fake clock."""

    def __init__(self, client, seconds: float) -> None:
        self.client, self.seconds, self.now, self.pages = client, seconds, 0.0, 0

    def clock(self) -> float:
        return self.now

    def list_objects_v2(self, **kwargs):
        self.now += self.seconds
        self.pages += 1
        return self.client.list_objects_v2(**kwargs)


def index_everything(index: SqliteIndex, client, source) -> None:
    page = client.list_objects_v2(Bucket=source.bucket, Prefix=source.prefix)
    index.upsert(
        Document(source=source.name, bucket=source.bucket, key=o["Key"], rel_path=o["Key"],
                 partition=partition_of(o["Key"]), size=o["Size"], etag=o["ETag"].strip('"'),
                 last_modified=o["LastModified"])
        for o in page.get("Contents", [])
    )


def test_slow_pages_spread_a_pass_over_ticks_and_resume_where_they_stopped(
    local_s3, s3_client, bucket, tmp_path
):
    put_objects(s3_client, bucket, {f"p{i % 3}/k{i:03d}.md": f"body {i}" for i in range(60)})
    source = make_source(local_s3.endpoint_url, bucket)
    index = SqliteIndex(str(tmp_path / "i.db"))
    slow = SlowPages(s3_client, seconds=8.0)  # a page takes 8 s; the tick budget is 20 s

    ticks, after, new = [], None, 0
    while True:
        before = slow.pages
        result = scan_changes(slow, source, index, after=after, budget_s=20.0, page_size=5,
                              clock=slow.clock)
        ticks.append(slow.pages - before)
        new += result.new
        after = result.after
        if result.complete:
            break
        assert after is not None and len(after) < 100  # the cursor is one key
    # 60 keys in pages of 5: 12 pages, never more than 3 (24 s > 20 s budget) in one tick.
    assert sum(ticks) == 12 and max(ticks) == 3 and len(ticks) == 4
    assert new == 60  # every key seen exactly once across the ticks


def test_deletions_are_found_between_pages_and_after_the_last_key(
    local_s3, s3_client, bucket, tmp_path
):
    keys = {f"a/{i:02d}.md": "x" for i in range(10)} | {"b/1.md": "y", "z/last.md": "z"}
    put_objects(s3_client, bucket, keys)
    source = make_source(local_s3.endpoint_url, bucket)
    index = SqliteIndex(str(tmp_path / "i.db"))
    index_everything(index, s3_client, source)
    for key in ("a/04.md", "a/05.md", "z/last.md"):
        s3_client.delete_object(Bucket=bucket, Key=key)
    after, deleted, changed = None, 0, set()
    while True:
        result = scan_changes(s3_client, source, index, after=after, budget_s=0.0, page_size=3)
        deleted += result.deleted
        changed |= set(result.changes)
        after = result.after
        if result.complete:
            break
    assert deleted == 3 and changed == {"a/", "z/"}


def test_nothing_changed_means_no_changes_and_the_digest_tracks_content(
    local_s3, s3_client, bucket, tmp_path
):
    put_objects(s3_client, bucket, {"a/1.md": "one", "a/2.md": "two"})
    source = make_source(local_s3.endpoint_url, bucket)
    index = SqliteIndex(str(tmp_path / "i.db"))
    index_everything(index, s3_client, source)
    assert scan_changes(s3_client, source, index).changes == {}
    put_objects(s3_client, bucket, {"a/3.md": "three"})
    first = scan_changes(s3_client, source, index).digests()
    assert scan_changes(s3_client, source, index).digests() == first  # same changes, same key
    put_objects(s3_client, bucket, {"a/4.md": "four"})
    assert scan_changes(s3_client, source, index).digests()["a/"] != first["a/"]


def test_a_scan_over_a_slow_http_endpoint_stays_within_its_budget_in_pages(
    local_s3, s3_client, bucket, tmp_path
):
    put_objects(s3_client, bucket, {f"k{i:03d}.md": "x" for i in range(40)})
    with S3Proxy(local_s3.endpoint_url, ProxySettings(latency_s=0.25)) as proxy:
        source = make_source(proxy.url, bucket)
        index = SqliteIndex(str(tmp_path / "i.db"))
        client = boto3.client("s3", endpoint_url=proxy.url, region_name="us-east-1",
                              aws_access_key_id="k", aws_secret_access_key="s")
        result = scan_changes(client, source, index, budget_s=0.6, page_size=4)
        # 10 pages exist; a 0.6 s budget at 0.25 s a page stops after a few, and says where.
        assert not result.complete and result.after is not None
        assert result.pages < 10 and proxy.stats.requests["list"] == result.pages


def test_partition_changes_keep_keys_until_the_cap_then_only_the_digest():
    from s3_ingest.core.plan.partition_changes import (
        DELETE, TARGETED_MAX_KEYS, UPSERT, Change, PartitionChanges,
    )

    few = PartitionChanges()
    few.add(Change("a/1", UPSERT, "e1 1"))
    few.add(Change("a/2", DELETE, "e2 1"))
    assert few.targeted and few.upserts == ["a/1"] and few.deletions == ["a/2"]
    many = PartitionChanges()
    for i in range(TARGETED_MAX_KEYS + 1):
        many.add(Change(f"a/{i}", UPSERT, "e 1"))
    assert not many.targeted and many.count == TARGETED_MAX_KEYS + 1
    other = PartitionChanges()
    for i in range(TARGETED_MAX_KEYS + 1):
        other.add(Change(f"a/{i}", UPSERT, "f 1"))  # another etag: another digest, another run key
    assert other.digest != many.digest


def test_a_key_deleted_then_put_again_is_an_upsert_and_covered_changes_drop_out():
    from s3_ingest.core.plan.partition_changes import DELETE, UPSERT, Change, PartitionChanges

    changes = PartitionChanges()
    for change in (Change("a/1", DELETE, "e 1"), Change("a/1", UPSERT, "e 1 t2"),
                   Change("a/2", UPSERT, "f 1")):
        changes.add(change)
    assert changes.upserts == ["a/1", "a/2"] and changes.deletions == []
    rest = changes.without(lambda change: change.key == "a/1")
    assert rest.upserts == ["a/2"] and rest.digest != changes.digest


def test_the_same_bytes_put_again_after_a_delete_is_a_new_run_key(
    local_s3, s3_client, bucket, tmp_path
):
    """Identity is the object version: the same etag and size at a later time is a new change."""
    import time

    put_objects(s3_client, bucket, {"a/doc.md": "same bytes"})
    source = make_source(local_s3.endpoint_url, bucket)
    index = SqliteIndex(str(tmp_path / "i.db"))
    first = scan_changes(s3_client, source, index).digests()
    time.sleep(1.1)  # S3 last-modified has one-second resolution
    put_objects(s3_client, bucket, {"a/doc.md": "same bytes"})
    again = scan_changes(s3_client, source, index).digests()
    assert first.keys() == again.keys() == {"a/"}
    assert first["a/"] != again["a/"]
    assert scan_changes(s3_client, source, index).digests() == again  # a repeated tick: same key
