"""A source's sync job on a real Celery worker fleet: a `dagster-celery worker start` process on
the local Redis, and a run launched with S3_INGEST_EXECUTOR=celery and deploy/run_config.celery.yaml
(`dagster job execute`, a run process as Dagster's run launcher starts one). Its step must run
in the worker, not in the run's process, and leave the partition's documents in the index.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest_tests.conftest import put_objects
from s3_ingest_tests.deploy.deployment import REPO, deployment_env, finish, launch_sync
from s3_ingest_tests.deploy.fleet import Worker, redis_database

PARTITION = "handbook/"
RUN_TIMEOUT_S = 120


@pytest.fixture
def broker_url() -> Any:
    with redis_database() as url:
        yield url


def test_a_sync_run_executes_its_step_on_a_celery_worker(
    tmp_path: Path, local_s3: Any, s3_client: Any, bucket: str, broker_url: str
) -> None:
    put_objects(s3_client, bucket, {
        "handbook/plan.md": "# Plan\nShip the quarterly roadmap.",
        "handbook/security.md": "# Security\nRotate keys every quarter.",
        "reports/q1.md": "# Q1\nNot in the partition that runs.",
    })
    env = deployment_env(tmp_path, local_s3.endpoint_url, bucket, "celery",
                         str(tmp_path / "index.db"))
    env |= {"DAGSTER_CELERY_BROKER_URL": broker_url, "DAGSTER_CELERY_BACKEND_URL": broker_url}
    home = env["DAGSTER_HOME"]
    with DagsterInstance.from_config(home) as instance:
        instance.add_dynamic_partitions("docs_prefixes", [PARTITION])

    worker = Worker(REPO / "deploy" / "celery_worker.yaml", env, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        launch = launch_sync(env, tmp_path, PARTITION, REPO / "deploy" / "run_config.celery.yaml")
        output = finish(launch, RUN_TIMEOUT_S)
        assert launch.returncode == 0, f"{output}\n{worker.log()}"
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
        # step of the run (the sync job's two: the documents, then their chunks) went to our
        # worker.
        delegated = {e.step_key: e.event_specific_data.metadata["Celery worker"].value
                     for e in events if e.message.endswith("in celery worker")}
        started = {e.step_key for e in events if e.event_type == DagsterEventType.STEP_START}
        assert started == {"docs__documents", "docs__chunks"}
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


def test_without_redis_the_fleet_test_fails_under_ci_and_skips_elsewhere(monkeypatch) -> None:
    from s3_ingest_tests.daemon.live import free_port
    from s3_ingest_tests.deploy import fleet

    monkeypatch.setattr(fleet, "REDIS_PORT", free_port())  # nothing listens there
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"), redis_database():
        pass
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="Redis is not reachable"), redis_database():
        pass
