"""The project's dagster.yaml: runs queue, at most two per source by tag, and every source's
pool (which a backfill from the asset page, without the source tag, is held to as well)."""

from __future__ import annotations

import shutil
from pathlib import Path

from dagster import DagsterInstance
from dagster._core.instance.ref import InstanceRef

from s3_ingest.core.sources.loader import parse_sources
from s3_ingest.defs.ingest.assets import build_documents_asset

REPO = Path(__file__).resolve().parents[2]


def test_the_project_instance_limits_each_source_however_its_runs_are_launched(tmp_path):
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path)))
    try:
        config = instance.get_concurrency_config()
        # A run whose worker died gives its pool slot back and is run again (the soak kills
        # one: without these its slot stayed taken for good, and its changes were lost).
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
        assert instance.run_retries_enabled and instance.run_retries_max_retries > 0
        assert not instance.run_retries_retry_on_asset_or_op_failure
    finally:
        instance.dispose()
    assert config.run_queue_config.tag_concurrency_limits == [
        {"key": "s3_ingest/source", "value": {"applyLimitPerUniqueValue": True}, "limit": 2}]
    assert config.pool_config.default_pool_limit == 2
    [source] = parse_sources("sources:\n  - name: docs\n    bucket: b\n")
    assert build_documents_asset(source).op.pool == "s3_fetch_docs"
