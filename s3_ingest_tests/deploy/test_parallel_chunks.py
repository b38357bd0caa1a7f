"""Issue 19, scale out: two chunks partitions of one source at the same time, each its own run
on the multiprocess executor, both writing to one PostgreSQL index and embedding through one
OpenAI-compatible endpoint (a local server the test starts).

The endpoint holds every request until two are in flight at once (each run sends one at a
time: a handful of short documents is one batch), so when both runs succeed their embedding is
known to have overlapped, whatever the machine's speed. Every chunk of both partitions must be
in the index exactly once.

Needs $S3_INGEST_TEST_POSTGRES_URL (skips without it, fails if it is set but unreachable).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus

from s3_ingest.core.index import open_index
from s3_ingest_tests.core.retrieval.embeddings_server import EmbeddingsServer
from s3_ingest_tests.core.retrieval.fakes import doc
from s3_ingest_tests.deploy.deployment import BIN, deployment_env, finish
from s3_ingest_tests.postgres import fresh_database

pytestmark = pytest.mark.postgres

PARTITIONS = ("handbook/", "reports/")
RUN_TIMEOUT_S = 180


def launch_chunks(env: dict[str, str], cwd: Path, partition: str, *config: Path
                  ) -> subprocess.Popen:
    """A run of docs/chunks for one partition, in a process of its own as a launcher starts
    one, with the executor the definitions name."""
    config_args = [arg for path in config for arg in ("-c", str(path))]
    return subprocess.Popen(
        [str(BIN / "dagster"), "asset", "materialize", "-m", "s3_ingest.definitions",
         "--select", "docs/chunks", "--partition", partition, *config_args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )


def seed_documents(index_url: str) -> None:
    with open_index(index_url) as index:
        index.upsert(doc(f"{p}note-{n}.md", f"# Note {n}\nPartition {p} says {n}.", partition=p)
                     for p in PARTITIONS for n in range(4))


def embedding_env(env: dict[str, str], server: EmbeddingsServer) -> dict[str, str]:
    return env | {"S3_INGEST_EMBEDDINGS_URL": server.url,
                  "S3_INGEST_EMBEDDINGS_MODEL": "test/endpoint"}


def assert_chunked(index_url: str) -> None:
    with open_index(index_url) as index:
        for p in PARTITIONS:
            rows = list(index.partition_chunks("docs", p))
            assert sorted(r[0] for r in rows) == [f"{p}note-{n}.md" for n in range(4)]
            assert all(r[5] == "test/endpoint" and r[7] is not None for r in rows)


def test_two_chunks_partitions_at_once_on_the_multiprocess_executor(tmp_path: Path) -> None:
    with fresh_database() as index_url, EmbeddingsServer(
            hold_until=2, hold_timeout_s=RUN_TIMEOUT_S) as server:
        seed_documents(index_url)
        env = embedding_env(deployment_env(tmp_path, "http://127.0.0.1:9", "unused",
                                           "multiprocess", index_url), server)
        with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
            instance.add_dynamic_partitions("docs_prefixes", list(PARTITIONS))
        runs = [launch_chunks(env, tmp_path, p) for p in PARTITIONS]
        outputs = [finish(run, RUN_TIMEOUT_S) for run in runs]
        assert [r.returncode for r in runs] == [0, 0], "\n".join(outputs)
        assert server.max_in_flight == 2  # both runs were embedding at once

        with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
            recorded = instance.get_runs()
            assert sorted(r.tags["dagster/partition"] for r in recorded) == sorted(PARTITIONS)
            assert all(r.status == DagsterRunStatus.SUCCESS for r in recorded)
            for run in recorded:  # the multiprocess executor: steps in processes of their own
                events = [e.dagster_event for e in instance.all_logs(run.run_id)
                          if e.dagster_event]
                pids = {e.event_type: e.pid for e in events}
                assert pids[DagsterEventType.STEP_START] != pids[DagsterEventType.RUN_START]
                assert {e.step_key for e in events if e.step_key} == {"docs__chunks"}
        assert_chunked(index_url)
