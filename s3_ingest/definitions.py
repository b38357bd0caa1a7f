"""The standalone code location: everything Dagster loads, built from the sources file.

A bad sources file fails the load (not the import) with one message naming the source and the
field.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from dagster import (
    Definitions,
    ExecutorDefinition,
    definitions,
    in_process_executor,
    multiprocess_executor,
)

from s3_ingest.core.sources.loader import load_sources
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.ingest.queue_visibility import warn_short_visibility_timeouts
from s3_ingest.defs.source_definitions import build_project_definitions, build_source_definitions


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
    """The standalone location: each source's definitions and the project's, built as a
    component project builds them, and the executor."""
    warn_short_visibility_timeouts(sources)  # warns, never fails the load
    return Definitions.merge(
        *(build_source_definitions(source) for source in sources),
        build_project_definitions(sources),
        Definitions(executor=executor_for(executor)),
    )


@definitions
def defs() -> Definitions:
    """Read the sources file when Dagster loads the location, not when the module is imported:
    a project can import this module (or s3_ingest's component) without a sources file."""
    return build_definitions(load_sources(), os.environ.get(EXECUTOR_ENV_VAR))
