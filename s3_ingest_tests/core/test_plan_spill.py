"""Spilled plans (issue 23: list once) and the partition ranges of one run for many changes."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.plan import plan_spill
from s3_ingest.core.plan.partition_changes import (
    DELETE, TARGETED_MAX_KEYS, UPSERT, Change, PartitionChanges,
)
from s3_ingest.core.plan.partition_plan import plan_from_config
from s3_ingest.core.plan.partition_ranges import partition_ranges
from s3_ingest.core.plan.plan_spill import SpillWriter, spilled_plans

WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _listed(key: str) -> ListedObject:
    return ListedObject(key=key, rel_path=key, size=3, etag=f"e-{key}", last_modified=WHEN)


def _changes(tmp_path, count: int) -> PartitionChanges:
    found = PartitionChanges(spill_to=lambda: SpillWriter(tmp_path, "docs", "a/"))
    for i in range(count):
        obj = _listed(f"a/{i:05d}.md")
        found.add(Change(obj.key, UPSERT, obj.etag, obj=obj))
    found.add(Change("a/gone.md", DELETE, "v"))
    return found


def test_changes_past_a_config_spill_to_a_file_named_for_their_versions(tmp_path):
    found = _changes(tmp_path, TARGETED_MAX_KEYS + 10)
    plan = found.plan("a/")
    assert plan.spill and plan.spill.endswith(f"-{found.digest}.plan.jsonl")
    assert not plan.listing and not plan.objects  # the config carries the path, not the keys
    config = plan.as_config()
    assert set(config) == {"spill", "digest", "scan"}
    read = plan_from_config("a/", config, "")
    pages = list(spilled_plans(read, "", page_keys=200))
    assert [len(p.named) for p in pages] == [200, 200, 111]
    assert pages[0].objects[0] == _listed("a/00000.md")  # every listing fact kept
    assert pages[-1].deletions == ["a/gone.md"]
    plan_spill.discard(read)
    assert list(tmp_path.iterdir()) == []


def test_a_spill_is_read_only_under_its_digest_and_a_missing_one_lists(tmp_path):
    plan = _changes(tmp_path, TARGETED_MAX_KEYS + 1).plan("a/")
    other = dict(plan.as_config(), digest="0" * 16)
    assert plan_from_config("a/", other, "").listing  # not written for these versions
    os.unlink(plan.spill)
    assert plan_from_config("a/", plan.as_config(), "").listing  # gone: the run lists
    assert not plan_from_config("a/", {"objects": []}, "").listing  # nothing to do
    assert plan_from_config("a/", None, "").listing  # not named: a backfill lists


def test_spill_files_do_not_leak(tmp_path, monkeypatch):
    unused = _changes(tmp_path, TARGETED_MAX_KEYS + 1)
    unused.abandon_spill()  # no run was asked for it
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(plan_spill, "MAX_FILES", 3)
    for n in range(5):
        _changes(tmp_path, TARGETED_MAX_KEYS + 1 + n).plan("a/")
    assert len(list(tmp_path.iterdir())) <= 3
    old = next(tmp_path.iterdir())
    stale = time.time() - plan_spill.MAX_AGE_S - 60
    os.utime(old, (stale, stale))
    SpillWriter(tmp_path, "docs", "b/").abandon()
    assert not old.exists()


def test_a_run_covers_a_range_of_changed_partitions_with_short_gaps():
    order = [f"p{i}/" for i in range(30)]
    assert partition_ranges(["p1/", "p3/", "p2/", "p0/"], order) == [["p0/", "p1/", "p2/", "p3/"]]
    assert partition_ranges(["p0/", "p2/"], order) == [["p0/", "p1/", "p2/"]]
    # A long stretch of unchanged partitions starts another run.
    assert partition_ranges(["p0/", "p20/"], order, max_gap=8) == [["p0/"], ["p20/"]]
    assert partition_ranges(["p0/", "p1/", "p2/"], order, max_partitions=2) == [
        ["p0/", "p1/"], ["p2/"]]
    assert partition_ranges(["new/"], order) == [["new/"]]
