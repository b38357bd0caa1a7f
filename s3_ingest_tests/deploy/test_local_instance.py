"""The project's dagster.yaml: runs queue, at most two per source by tag, and every source's
pool (which a backfill from the asset page, without the source tag, is held to as well)."""

from __future__ import annotations

import shutil
from pathlib import Path

from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef

from s3_ingest.core.sources import parse_sources
from s3_ingest.defs.ingest.assets import build_documents_asset

REPO = Path(__file__).resolve().parents[2]


def test_the_project_instance_limits_each_source_however_its_runs_are_launched(tmp_path):
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path)))
    try:
        config = instance.get_concurrency_config()
    finally:
        instance.dispose()
    assert config.run_queue_config.tag_concurrency_limits == [
        {"key": "s3_ingest/source", "value": {"applyLimitPerUniqueValue": True}, "limit": 2}]
    assert config.pool_config.default_pool_limit == 2
    [source] = parse_sources("sources:\n  - name: docs\n    bucket: b\n")
    assert build_documents_asset(source).op.pool == "s3_fetch_docs"
