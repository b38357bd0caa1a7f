"""deploy/dagster.production.yaml on a real PostgreSQL: Dagster accepts it, and an instance built
from it runs the documents asset and the polling sensor, with the index on PostgreSQL too.

Needs $S3_INGEST_TEST_POSTGRES_URL (skips without it, fails if it is set but unreachable). Two
databases are created for the module: Dagster's storage, and the document index.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.errors import DagsterInvalidConfigError
from dagster._core.instance.config import dagster_instance_config

from s3_ingest.core.index import open_index
from s3_ingest.defs.ingest.partitions import prefix_partitions
from s3_ingest.defs.ingest.sensors import build_poll_sensor
from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET
from s3_ingest_tests.conftest import make_source, put_objects
from s3_ingest_tests.defs.ingest.harness import Daemon, changed_plans
from s3_ingest_tests.postgres import fresh_database, url_parts

pytestmark = pytest.mark.postgres

PRODUCTION_YAML = Path(__file__).resolve().parents[2] / "deploy" / "dagster.production.yaml"
LOGS_PREFIX = "compute-logs"


@pytest.fixture(scope="module")
def storage_url() -> Iterator[str]:
    """Dagster's run, event log and schedule storage."""
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="module")
def index_url() -> Iterator[str]:
    """The document index."""
    with fresh_database() as url:
        yield url


@pytest.fixture
def logs_bucket(s3_client: Any) -> str:
    name = f"dagster-logs-{uuid.uuid4().hex[:8]}"
    s3_client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def dagster_home(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    storage_url: str,
    local_s3: Any,
    logs_bucket: str,
) -> Path:
    """A DAGSTER_HOME holding the production dagster.yaml, its variables pointing at the test
    database and the local S3 endpoint."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PRODUCTION_YAML, home / "dagster.yaml")
    db = url_parts(storage_url)
    env = {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_HOST": db["hostname"],
        "DAGSTER_PG_PORT": str(db["port"]),
        "DAGSTER_PG_DB": db["db_name"],
        "DAGSTER_PG_USERNAME": db["username"],
        "DAGSTER_PG_PASSWORD": db["password"],
        "DAGSTER_COMPUTE_LOGS_BUCKET": logs_bucket,
        "DAGSTER_COMPUTE_LOGS_PREFIX": LOGS_PREFIX,
        "DAGSTER_COMPUTE_LOGS_ENDPOINT": local_s3.endpoint_url,
        # The compute log manager's boto3 uses the default credential chain.
        "AWS_ACCESS_KEY_ID": DEMO_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DEMO_SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return home


@pytest.fixture
def instance(dagster_home: Path) -> Iterator[DagsterInstance]:
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        yield instance


def test_dagster_validates_the_production_config(
    dagster_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, custom_class = dagster_instance_config(str(dagster_home))
    assert custom_class is None
    assert set(config["storage"]) == {"postgres"}
    assert config["concurrency"]["pools"] == {"default_limit": 4, "granularity": "op"}
    assert config["sensors"]["use_threads"] and config["backfills"]["use_threads"]

    # Every setting comes from the environment: a missing variable is an error, not a default.
    monkeypatch.delenv("DAGSTER_PG_HOST")
    with pytest.raises(Exception, match="DAGSTER_PG_HOST"):
        DagsterInstance.from_config(str(dagster_home))


def test_the_concurrency_settings_are_dagster_compatible(dagster_home: Path) -> None:
    """Dagster refuses max_concurrent_runs in the run coordinator once `concurrency:` is used:
    the limits must live under `concurrency: runs:` (as the production file has them)."""
    broken = (dagster_home / "dagster.yaml").read_text().replace(
        "    dequeue_use_threads: true\n",
        "    dequeue_use_threads: true\n    max_concurrent_runs: 3\n",
    )
    (dagster_home / "dagster.yaml").write_text(broken)
    with pytest.raises(DagsterInvalidConfigError, match="max_concurrent_runs"):
        dagster_instance_config(str(dagster_home))


def test_instance_uses_postgres_storage_and_the_run_queue(instance: DagsterInstance) -> None:
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster_aws.s3.compute_log_manager import S3ComputeLogManager
    from dagster_postgres import (
        PostgresEventLogStorage,
        PostgresRunStorage,
        PostgresScheduleStorage,
    )

    assert isinstance(instance.run_storage, PostgresRunStorage)
    # psycopg2, as dagster-postgres needs (see `scheme` in the yaml), though psycopg 3 is here.
    assert instance.run_storage._engine.dialect.driver == "psycopg2"  # type: ignore[attr-defined]
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
    assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
    assert isinstance(instance.compute_log_manager, S3ComputeLogManager)
    concurrency = instance.get_concurrency_config()
    queue = concurrency.run_queue_config
    assert queue is not None and queue.max_concurrent_runs == 8
    assert queue.tag_concurrency_limits == [
        {"key": "s3_ingest/source", "value": {"applyLimitPerUniqueValue": True}, "limit": 2}
    ]
    assert concurrency.pool_config.default_pool_limit == 4
    assert instance.run_monitoring_enabled
    assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
    assert instance.run_retries_enabled and instance.run_retries_max_retries == 2


def test_partition_run_and_sensor_tick_on_postgres(
    instance: DagsterInstance,
    storage_url: str,
    index_url: str,
    local_s3: Any,
    s3_client: Any,
    bucket: str,
    logs_bucket: str,
) -> None:
    import psycopg

    put_objects(
        s3_client,
        bucket,
        {
            "handbook/plan.md": "# Plan\nShip the quarterly roadmap.",
            "handbook/security.md": "# Security\nRotate keys quarterly.",
        },
    )
    source = make_source(local_s3.endpoint_url, bucket)
    partitions = prefix_partitions(source).name
    daemon = Daemon(source, index_url, instance=instance)

    # One partition, materialized on the production instance, into the PostgreSQL index.
    instance.add_dynamic_partitions(partitions, ["handbook/"])
    first = daemon.run("handbook/")
    assert first.success
    with psycopg.connect(storage_url) as conn:  # recorded in Dagster's PostgreSQL storage
        row = conn.execute("SELECT status FROM runs WHERE run_id = %s", (first.run_id,)).fetchone()
        assert row == ("SUCCESS",)
        materialized = conn.execute(
            "SELECT count(*) FROM event_logs WHERE run_id = %s "
            "AND dagster_event_type = 'ASSET_MATERIALIZATION'",
            (first.run_id,),
        ).fetchone()
        assert materialized == (1,)
        stored_partitions = conn.execute(
            "SELECT partition FROM dynamic_partitions WHERE partitions_def_name = %s",
            (partitions,),
        ).fetchall()
        assert stored_partitions == [("handbook/",)]
    index = open_index(index_url)
    try:
        assert [h.key for h in index.search("roadmap")] == ["handbook/plan.md"]
    finally:
        index.close()

    # A sensor tick against the same instance: a new prefix and a changed object.
    put_objects(
        s3_client,
        bucket,
        {
            "reports/q1.md": "# Q1\nRevenue grew in the northern region.",
            "handbook/plan.md": "# Plan\nShip the yearly roadmap.",
        },
    )
    sensor = build_poll_sensor(source)
    tick = daemon.tick(sensor)
    # One run for both changed partitions (a range run, each partition with its plan).
    assert sorted(changed_plans(tick)) == ["handbook/", "reports/"]
    assert len(tick.run_requests) == 1
    assert set(instance.get_dynamic_partitions(partitions)) == {"handbook/", "reports/"}
    runs = daemon.run_requests(tick)
    assert len(runs) == 1 and all(r.success for r in runs)

    recorded = instance.get_runs()
    assert len(recorded) == 2
    assert all(run.status == DagsterRunStatus.SUCCESS for run in recorded)
    assert {run.tags.get("dagster/run_key") for run in recorded} == {
        None, *(r.run_key for r in tick.run_requests)
    }
    with psycopg.connect(storage_url) as conn:
        assert conn.execute("SELECT count(*) FROM runs WHERE status = 'SUCCESS'").fetchone() == (2,)

    index = open_index(index_url)
    try:
        assert [h.key for h in index.search("northern region")] == ["reports/q1.md"]
        assert [h.key for h in index.search("yearly")] == ["handbook/plan.md"]
        assert index.search("quarterly roadmap") == []
        assert index.partitions("docs") == {"handbook/": 2, "reports/": 1}
    finally:
        index.close()

    # Step logs went to the configured bucket, where the webserver on another machine reads them.
    logs = s3_client.list_objects_v2(Bucket=logs_bucket, Prefix=LOGS_PREFIX + "/")
    assert logs.get("KeyCount", 0) > 0
