"""A source's sync job on a real Celery worker fleet: a `dagster-celery worker start` process on
the local Redis, and a run launched with S3_INGEST_EXECUTOR=celery and deploy/run_config.celery.yaml
(`dagster job execute`, a run process as Dagster's run launcher starts one). Its step must run
in the worker, not in the run's process, and leave the partition's documents in the index.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET
from s3_ingest_tests.conftest import KEY_ENV, SECRET_ENV, put_objects
from s3_ingest_tests.deploy.fleet import BIN, Worker, redis_database

REPO = Path(__file__).resolve().parents[2]
PARTITION = "handbook/"
RUN_TIMEOUT_S = 120


@pytest.fixture
def broker_url() -> Any:
    with redis_database() as url:
        yield url


def deployment_env(root: Path, endpoint: str, bucket: str, broker: str) -> dict[str, str]:
    """What every machine of the fleet is given: the same DAGSTER_HOME (instance), sources,
    index, executor, broker and credentials."""
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    source = {"name": "docs", "bucket": bucket, "endpoint": endpoint, "region": "us-east-1",
              "path_style": True, "max_attempts": 2,
              "credentials": {"access_key_id_env": KEY_ENV, "secret_access_key_env": SECRET_ENV}}
    (root / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("S3_INGEST_", "AWS_", "DAGSTER_"))}
    return env | {
        "DAGSTER_HOME": str(home),
        "S3_INGEST_SOURCES": str(root / "sources.yaml"),
        "S3_INGEST_INDEX_URL": str(root / "index.db"),
        "S3_INGEST_EXECUTOR": "celery",
        "DAGSTER_CELERY_BROKER_URL": broker,
        "DAGSTER_CELERY_BACKEND_URL": broker,
        KEY_ENV: DEMO_KEY_ID, SECRET_ENV: DEMO_SECRET,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(root / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(root / "no-aws-credentials"),
    }


def test_a_sync_run_executes_its_step_on_a_celery_worker(
    tmp_path: Path, local_s3: Any, s3_client: Any, bucket: str, broker_url: str
) -> None:
    put_objects(s3_client, bucket, {
        "handbook/plan.md": "# Plan\nShip the quarterly roadmap.",
        "handbook/security.md": "# Security\nRotate keys every quarter.",
        "reports/q1.md": "# Q1\nNot in the partition that runs.",
    })
    env = deployment_env(tmp_path, local_s3.endpoint_url, bucket, broker_url)
    home = env["DAGSTER_HOME"]
    with DagsterInstance.from_config(home) as instance:
        instance.add_dynamic_partitions("docs_prefixes", [PARTITION])

    worker = Worker(REPO / "deploy" / "celery_worker.yaml", env, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        launch = subprocess.run(
            [str(BIN / "dagster"), "job", "execute", "-m", "s3_ingest.definitions",
             "-j", "docs_sync", "-c", str(REPO / "deploy" / "run_config.celery.yaml"),
             "--tags", json.dumps({"dagster/partition": PARTITION})],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
        )
        assert launch.returncode == 0, f"{launch.stdout}\n{launch.stderr}\n{worker.log()}"
    finally:
        worker.stop()
    worker_log = worker.log(tail=400)
    assert "execute_plan" in worker_log and "succeeded" in worker_log, worker_log

    with DagsterInstance.from_config(home) as instance:
        [run] = instance.get_runs()
        assert run.status == DagsterRunStatus.SUCCESS
        assert run.tags["dagster/partition"] == PARTITION
        records = instance.all_logs(run.run_id)
        events = [r.dagster_event for r in records if r.dagster_event]
        # The Celery task reports each step it takes, naming the worker that took it: every
        # step of the run (the documents asset and its drift check) went to our worker.
        delegated = {e.step_key: e.event_specific_data.metadata["Celery worker"].value
                     for e in events if e.message.endswith("in celery worker")}
        started = {e.step_key for e in events if e.event_type == DagsterEventType.STEP_START}
        assert started == {"docs__documents", "docs__documents_in_step_with_bucket"}
        assert set(delegated) == started
        assert all(name.startswith(worker.name + "@") for name in delegated.values())
        # ...and the steps' events come from another process than the run's (the launcher's).
        run_pids = {e.pid for e in events if e.event_type == DagsterEventType.RUN_START}
        step_pids = {e.pid for e in events if e.event_type == DagsterEventType.STEP_START}
        assert len(run_pids) == 1 and step_pids.isdisjoint(run_pids | {os.getpid()})
        assert any(e.event_type == DagsterEventType.ASSET_MATERIALIZATION for e in events)

    index = SqliteIndex(str(tmp_path / "index.db"))
    try:
        texts = {key: index.get("docs", key).text for key in index.manifest("docs")}
    finally:
        index.close()
    assert set(texts) == {"handbook/plan.md", "handbook/security.md"}
    assert "quarterly roadmap" in texts["handbook/plan.md"]
    assert "Rotate keys" in texts["handbook/security.md"]
