"""Two partitions of one source materialized at the same time, each its own run on the
multiprocess executor (S3_INGEST_EXECUTOR=multiprocess), both writing to one PostgreSQL index.

The test holds a lock on the documents table until both runs' steps are waiting on it in the
server, so their writes are known to overlap (whatever the machine's speed), then lets them go.
Every document of both partitions must be in the index exactly once, and both runs succeed.

Needs $S3_INGEST_TEST_POSTGRES_URL (skips without it, fails if it is set but unreachable).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from s3_ingest.core.index import open_index
from s3_ingest_tests.conftest import put_objects
from s3_ingest_tests.deploy.deployment import deployment_env, finish, launch_sync
from s3_ingest_tests.postgres import fresh_database

pytestmark = pytest.mark.postgres

PARTITIONS = ("handbook/", "reports/")
DOCS_PER_PARTITION = 30
WAIT_S, RUN_TIMEOUT_S = 90, 120


def documents_for(partition: str) -> dict[str, str]:
    return {f"{partition}note-{n:02}.md": f"# Note {n}\nPartition {partition} says {n}."
            for n in range(DOCS_PER_PARTITION)}


def app_name(partition: str) -> str:
    return f"s3_ingest_run_{partition.strip('/')}"


def blocked_runs(conn: Any, database: str) -> set[str]:
    """The runs (by their connections' application_name) with a session waiting for a lock on
    the index's database: ours is the only lock held there."""
    rows = conn.execute(
        "SELECT DISTINCT application_name FROM pg_stat_activity "
        "WHERE datname = %s AND wait_event_type = 'Lock'",
        (database,),
    ).fetchall()
    return {name for (name,) in rows}


def test_two_partitions_at_once_on_the_multiprocess_executor(
    tmp_path: Path, local_s3: Any, s3_client: Any, bucket: str
) -> None:
    import psycopg

    expected = {k: v for p in PARTITIONS for k, v in documents_for(p).items()}
    put_objects(s3_client, bucket, expected)
    with fresh_database() as index_url:
        index = open_index(index_url)
        try:  # the first use creates the schema, so the table exists to be locked
            assert index.count("docs") == 0
        finally:
            index.close()
        env = deployment_env(tmp_path, local_s3.endpoint_url, bucket, "multiprocess", index_url)
        with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
            instance.add_dynamic_partitions("docs_prefixes", list(PARTITIONS))
        # Small batches: after the lock goes, the two runs' transactions interleave.
        config = tmp_path / "run_config.yaml"
        config.write_text(yaml.safe_dump({"ops": {"docs__documents": {"config": {"batch_size": 5}}}}))

        database = index_url.rsplit("/", 1)[1]
        with psycopg.connect(index_url) as lock_conn:
            # EXCLUSIVE lets the runs read (their manifests) but holds every write.
            lock_conn.execute("LOCK TABLE documents IN EXCLUSIVE MODE")
            # Each run's index connections carry its name, to tell which run is waiting.
            runs = [launch_sync(env | {"S3_INGEST_INDEX_URL": f"{index_url}?application_name="
                                       f"{app_name(p)}"}, tmp_path, p, config)
                    for p in PARTITIONS]
            try:
                with psycopg.connect(index_url, autocommit=True) as watch:
                    deadline = time.monotonic() + WAIT_S
                    while blocked_runs(watch, database) != {app_name(p) for p in PARTITIONS}:
                        exited = [r for r in runs if r.poll() is not None]
                        if exited or time.monotonic() > deadline:
                            outputs = "\n".join(finish(r, 5) for r in exited)
                            pytest.fail("both runs were not writing at once within "
                                        f"{WAIT_S} s; exited early:\n{outputs}")
                        time.sleep(0.2)
            finally:
                lock_conn.rollback()  # releases the lock: both runs go on together
            outputs = [finish(run, RUN_TIMEOUT_S) for run in runs]
        assert [r.returncode for r in runs] == [0, 0], "\n".join(outputs)

        with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
            recorded = instance.get_runs()
            assert sorted(r.tags["dagster/partition"] for r in recorded) == sorted(PARTITIONS)
            assert all(r.status == DagsterRunStatus.SUCCESS for r in recorded)
            for run in recorded:  # the multiprocess executor: steps in processes of their own
                events = [e.dagster_event for e in instance.all_logs(run.run_id)
                          if e.dagster_event]
                pids = {e.event_type: e.pid for e in events}
                assert pids[DagsterEventType.STEP_START] != pids[DagsterEventType.RUN_START]

        with psycopg.connect(index_url) as conn:
            rows = conn.execute(
                "SELECT key, partition, text FROM documents WHERE source = 'docs' ORDER BY key"
            ).fetchall()
        keys = [key for key, _, _ in rows]
        assert keys == sorted(expected)  # every document, and none twice
        for key, partition, text in rows:
            assert key.startswith(partition) and expected[key].split("\n")[1] in text
