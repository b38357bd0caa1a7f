"""Issue 19, scale out on the Celery fleet: two chunks partitions launched at once with
S3_INGEST_EXECUTOR=celery and deploy/run_config.celery.yaml, on two `dagster-celery` workers
(one task each) over the local Redis. Each run's step must run in a worker, and the two must
run at the same time: their embedding endpoint (a local server) holds every request until both
runs' are in flight. Both partitions' chunks end up in the one SQLite index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance, DagsterRunStatus

from s3_ingest_tests.core.retrieval.embeddings_server import EmbeddingsServer
from s3_ingest_tests.deploy.deployment import REPO, deployment_env, finish
from s3_ingest_tests.deploy.fleet import Worker, redis_database
from s3_ingest_tests.deploy.test_parallel_chunks import (
    PARTITIONS, RUN_TIMEOUT_S, assert_chunked, embedding_env, launch_chunks, seed_documents)


@pytest.fixture
def broker_url() -> Any:
    with redis_database() as url:
        yield url


def test_two_chunks_partitions_run_at_once_on_two_celery_workers(
        tmp_path: Path, broker_url: str) -> None:
    index_url = str(tmp_path / "index.db")
    seed_documents(index_url)
    with EmbeddingsServer(hold_until=2, hold_timeout_s=RUN_TIMEOUT_S) as server:
        env = embedding_env(deployment_env(tmp_path, "http://127.0.0.1:9", "unused", "celery",
                                           index_url), server)
        env |= {"DAGSTER_CELERY_BROKER_URL": broker_url, "DAGSTER_CELERY_BACKEND_URL": broker_url}
        with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
            instance.add_dynamic_partitions("docs_prefixes", list(PARTITIONS))
        workers = [Worker(REPO / "deploy" / "celery_worker.yaml", env, tmp_path / f"w{n}.log")
                   for n in range(2)]
        try:
            for worker in workers:
                worker.wait_ready()
            runs = [launch_chunks(env, tmp_path, p, REPO / "deploy" / "run_config.celery.yaml")
                    for p in PARTITIONS]
            outputs = [finish(run, RUN_TIMEOUT_S) for run in runs]
            logs = "\n".join(w.log() for w in workers)
            assert [r.returncode for r in runs] == [0, 0], "\n".join(outputs) + logs
        finally:
            for worker in workers:
                worker.stop()
        assert server.max_in_flight == 2  # the two runs' steps embedded at the same time

    with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        recorded = instance.get_runs()
        assert sorted(r.tags["dagster/partition"] for r in recorded) == sorted(PARTITIONS)
        assert all(r.status == DagsterRunStatus.SUCCESS for r in recorded)
        took = set()
        for run in recorded:
            events = [r.dagster_event for r in instance.all_logs(run.run_id) if r.dagster_event]
            delegated = {e.step_key: e.event_specific_data.metadata["Celery worker"].value
                         for e in events if e.message.endswith("in celery worker")}
            assert set(delegated) == {"docs__chunks"}
            took |= {name.split("@")[0] for name in delegated.values()}
        assert took == {w.name for w in workers}  # one step each: they ran side by side
    assert_chunked(index_url)
