"""Everything Dagster holds for s3_ingest, built one way for every way it is loaded: the
standalone code location (definitions.py, over a sources file) merges one source's definitions
per source and the project's definitions once; a component project gets one source's from each
defs.yaml, and the project's from one of them (component/project.py).

A source's definitions bind only its own resources (its S3 client, its SQS queue); the index
and the embedder every source shares come with the project's definitions, under the keys the
project does not bind itself.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from typing import Any

from dagster import ConfigurableResource, Definitions

from s3_ingest.core.retrieval.embedder_choice import KEY_ENV, MODEL_ENV, URL_ENV
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.ingest.assets import build_documents_asset
from s3_ingest.defs.ingest.checks import build_drift_check, build_source_drift_check
from s3_ingest.defs.ingest.event_sensors import build_events_sensor
from s3_ingest.defs.ingest.housekeeping import build_housekeeping_job, housekeeping_schedule
from s3_ingest.defs.ingest.jobs import build_drift_job, build_sync_job
from s3_ingest.defs.ingest.schedules import build_reconcile_schedule
from s3_ingest.defs.ingest.sensors import build_poll_sensor
from s3_ingest.defs.resources.embedder import EMBEDDER_KEY, embedder_resource
from s3_ingest.defs.resources.index import INDEX_ENV_VAR, INDEX_KEY, index_resource
from s3_ingest.defs.resources.s3 import s3_resource_for, s3_resource_key
from s3_ingest.defs.resources.sqs import sqs_resource_for, sqs_resource_key
from s3_ingest.defs.retrieval.chunks_behind import build_chunks_behind_sensor
from s3_ingest.defs.retrieval.definitions import retrieval_definitions

_shared: dict[tuple[str, ...], dict[str, ConfigurableResource]] = {}


def shared_resources() -> dict[str, ConfigurableResource]:
    """The index and embedder resources every source of this process shares (configured from
    the environment when first asked for, never at import)."""
    settings = tuple(os.environ.get(name, "") for name in (INDEX_ENV_VAR, URL_ENV, MODEL_ENV,
                                                           KEY_ENV))
    if settings not in _shared:
        _shared[settings] = {INDEX_KEY: index_resource(), EMBEDDER_KEY: embedder_resource()}
    return dict(_shared[settings])


def build_project_definitions(
    sources: Sequence[Source], leave: Collection[str] = ()
) -> Definitions:
    """What spans all of a project's sources: the housekeeping job (which removes documents of
    sources no longer listed) and its schedule, and the shared resources but those under the
    keys in `leave` (the project binds its own)."""
    housekeeping = build_housekeeping_job(sources)
    return Definitions(
        jobs=[housekeeping],
        schedules=[housekeeping_schedule(housekeeping)],
        resources={k: v for k, v in shared_resources().items() if k not in leave},
    )


def build_source_definitions(source: Source, shared: Collection[str] = ()) -> Definitions:
    """One source's assets (bucket, documents, chunks, the optional Parquet export), checks,
    jobs, schedule and sensors, with its own S3 (and SQS) resources, and the `shared` ones when
    it is used alone (the command line's runs)."""
    sync_job = build_sync_job(source)
    retrieval = retrieval_definitions([source])
    resources: dict[str, Any] = {
        key: value for key, value in shared_resources().items() if key in shared
    }
    resources[s3_resource_key(source)] = s3_resource_for(source)
    if source.events:
        resources[sqs_resource_key(source)] = sqs_resource_for(source)
    return Definitions(
        assets=retrieval.with_lineage([build_documents_asset(source)]) + retrieval.assets,
        asset_checks=[build_drift_check(source), build_source_drift_check(source)],
        jobs=[sync_job, build_drift_job(source)],
        schedules=[build_reconcile_schedule(source, sync_job)],
        sensors=[build_poll_sensor(source, sync_job), build_chunks_behind_sensor(source, sync_job)]
        + ([build_events_sensor(source, sync_job)] if source.events else [])
        + retrieval.sensors,
        resources=resources,
    )
