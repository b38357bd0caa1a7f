"""The project's dagster.yaml holds every source to two runs at a time in the run queue, however a
run was launched: a sensor's (tagged with the source), or the asset page's Materialize or a
backfill from the UI (untagged, of Dagster's implicit asset job) - through the source's pool,
which the queue checks before it launches a run whose documents step would only wait for it. Dagster's own queue daemon
dequeues the runs; only the launch itself is mocked (no code server: launching is not what is
tested here)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

from dagster import AssetKey, DagsterInstance, DagsterRunStatus
from dagster._core.instance.ref import InstanceRef
from dagster._core.remote_origin import (
    RegisteredCodeLocationOrigin, RemoteJobOrigin, RemoteRepositoryOrigin,
)
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
    QueuedRunCoordinatorDaemon,
)

from s3_ingest.core.sources.loader import parse_sources
from s3_ingest.definitions import build_definitions

REPO = Path(__file__).resolve().parents[2]
SOURCES = """
sources:
  - name: docs
    bucket: bucket-a
  - name: other
    bucket: bucket-b
"""


def test_untagged_runs_of_one_source_wait_in_the_queue_beyond_two(tmp_path):
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    with open(tmp_path / "dagster.yaml", "a") as f:
        f.write("\nrun_launcher:\n  module: dagster._core.test_utils\n  class: MockedRunLauncher\n")
    instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp_path)))
    try:
        defs = build_definitions(parse_sources(SOURCES))
        job = defs.resolve_implicit_global_asset_job_def()
        origin = RemoteJobOrigin(
            RemoteRepositoryOrigin(RegisteredCodeLocationOrigin("s3_ingest"), "__repository__"),
            job.name)

        def queue(source: str, partition: str) -> str:
            # As the UI submits a Materialize of one partition: no source tag.
            run = instance.create_run_for_job(
                job, status=DagsterRunStatus.QUEUED,
                asset_selection={AssetKey([source, "documents"])},
                tags={"dagster/partition": partition}, remote_job_origin=origin,
            )
            assert "s3_ingest/source" not in run.tags
            return run.run_id

        context = SimpleNamespace(instance=instance, create_request_context=lambda: None)
        daemon = QueuedRunCoordinatorDaemon(interval_seconds=1)

        def dequeue() -> None:
            for _ in range(2):  # a second pass must launch nothing more
                list(daemon.run_iteration(context))

        # Dagster creates a pool's limit the first time a queued run names it, after the pass
        # has read which pools have limits: that first pass is not held. The deployment's first
        # runs do this once; from then on every pass is.
        first = [queue("docs", "p0/"), queue("other", "q0/")]
        dequeue()
        later_docs = [queue("docs", f"p{n}/") for n in range(1, 4)]
        later_other = queue("other", "q1/")
        dequeue()
        status = {run_id: instance.get_run_by_id(run_id).status
                  for run_id in first + later_docs + [later_other]}
    finally:
        instance.dispose()
    assert status[first[0]] == status[first[1]] == DagsterRunStatus.STARTING
    started = [run_id for run_id in later_docs if status[run_id] != DagsterRunStatus.QUEUED]
    assert len(started) == 1, status  # docs' pool of two: one in progress, one more may start
    assert status[later_other] == DagsterRunStatus.STARTING  # not held by docs' runs
