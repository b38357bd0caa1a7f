"""Removing a source or a prefix partition removes its documents, unless asked to keep them."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from dagster import DagsterInstance, Definitions

from s3_ingest.core.documents import Document
from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.defs.ingest.housekeeping import build_housekeeping_job
from s3_ingest.defs.resources.index import IndexResource
from s3_ingest_tests.conftest import make_source

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def doc(source: str, key: str, partition: str) -> Document:
    return Document(source=source, bucket="b", key=key, rel_path=key, partition=partition,
                    size=1, etag="e", last_modified=NOW, text="t")


@pytest.mark.parametrize("keep", [False, True])
def test_housekeeping_removes_what_is_no_longer_configured(tmp_path, keep):
    path = str(tmp_path / "i.db")
    index = SqliteIndex(path)
    index.upsert([doc("gone_source", "x/1", "x/"), doc("docs", "a/1", "a/"),
                  doc("docs", "b/1", "b/"), doc("docs", "b/2", "b/")])
    source = make_source("http://127.0.0.1:1", "b")
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("docs_prefixes", ["a/"])  # b/ was deleted in the UI
    job = build_housekeeping_job([source])
    defs = Definitions(jobs=[job], resources={"index": IndexResource(url=path)})
    result = defs.resolve_job_def("index_housekeeping").execute_in_process(
        instance=instance,
        run_config={"ops": {"prune_removed": {"config": {"keep_removed": keep}}}},
    )
    assert result.success
    expected = {"gone_source": 1, "docs": 3} if keep else {"docs": 1}
    assert SqliteIndex(path).sources() == expected
