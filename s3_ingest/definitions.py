"""The code location: everything Dagster loads, built from the sources file.

A bad sources file fails the load with one message naming the source and the field.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from dagster import (
    Definitions,
    ExecutorDefinition,
    in_process_executor,
    multiprocess_executor,
)

from s3_ingest.core.sources import Source, load_sources
from s3_ingest.defs.ingest.assets import build_documents_asset
from s3_ingest.defs.ingest.checks import build_drift_check, build_source_drift_check
from s3_ingest.defs.ingest.housekeeping import build_housekeeping_job, housekeeping_schedule
from s3_ingest.defs.ingest.jobs import build_drift_job, build_sync_job
from s3_ingest.defs.ingest.schedules import build_reconcile_schedule
from s3_ingest.defs.ingest.event_sensors import build_events_sensor
from s3_ingest.defs.ingest.queue_visibility import warn_short_visibility_timeouts
from s3_ingest.defs.ingest.sensors import build_poll_sensor
from s3_ingest.defs.resources.embedder import embedder_resource
from s3_ingest.defs.resources.index import index_resource
from s3_ingest.defs.retrieval.definitions import retrieval_definitions
from s3_ingest.defs.resources.s3 import s3_resource_for, s3_resource_key
from s3_ingest.defs.resources.sqs import sqs_resource_for, sqs_resource_key


EXECUTOR_ENV_VAR = "S3_INGEST_EXECUTOR"


def executor_for(name: str | None) -> ExecutorDefinition | None:
    """`celery` runs each step on a Celery worker fleet (dagster-celery, Redis as broker, from
    $DAGSTER_CELERY_BROKER_URL unless the run config names one); unset keeps Dagster's default,
    a process per step on the run's machine."""
    if not name:
        return None
    if name == "celery":
        from s3_ingest.defs.celery_executor import build_celery_executor

        return build_celery_executor()
    if name == "multiprocess":
        return multiprocess_executor
    if name == "in_process":
        return in_process_executor
    raise ValueError(f"{EXECUTOR_ENV_VAR}={name!r}: use multiprocess, in_process or celery")


def build_definitions(sources: Sequence[Source], executor: str | None = None) -> Definitions:
    warn_short_visibility_timeouts(sources)  # warns, never fails the load
    sync_jobs = {source.name: build_sync_job(source) for source in sources}
    housekeeping = build_housekeeping_job(sources)
    retrieval = retrieval_definitions(sources)
    return Definitions(
        executor=executor_for(executor),
        assets=retrieval.with_lineage([build_documents_asset(source) for source in sources])
        + retrieval.assets,
        asset_checks=[build_drift_check(source) for source in sources]
        + [build_source_drift_check(source) for source in sources],
        jobs=[*sync_jobs.values(), *(build_drift_job(s) for s in sources), housekeeping],
        schedules=[build_reconcile_schedule(s, sync_jobs[s.name]) for s in sources]
        + [housekeeping_schedule(housekeeping)],
        sensors=[build_poll_sensor(s, sync_jobs[s.name]) for s in sources]
        + [build_events_sensor(s, sync_jobs[s.name]) for s in sources if s.events]
        + retrieval.sensors,
        resources={
            "index": index_resource(),
            "embedder": embedder_resource(),
            **{s3_resource_key(source): s3_resource_for(source) for source in sources},
            **{sqs_resource_key(s): sqs_resource_for(s) for s in sources if s.events},
        },
    )


defs = build_definitions(load_sources(), os.environ.get(EXECUTOR_ENV_VAR))
