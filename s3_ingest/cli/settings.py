"""Where the command line finds the index and the Dagster instance."""

from __future__ import annotations

import os

from dagster import DagsterInstance, EnvVar

from s3_ingest.core.index.location import DEFAULT_INDEX_URL, INDEX_ENV_VAR, resolve_index_url
from s3_ingest.defs.resources.index import IndexResource

__all__ = ["cli_instance", "index_resource_for", "resolve_index_url"]


def index_resource_for(cli_value: str | None = None) -> IndexResource:
    """The index resource, its URL handed to Dagster as an EnvVar only: a PostgreSQL URL may
    carry a password, and Dagster stores a resource's literal config in every run's snapshot.
    An --index value is put in this process's environment for that."""
    if cli_value:
        os.environ[INDEX_ENV_VAR] = cli_value
    if os.environ.get(INDEX_ENV_VAR):
        return IndexResource(url=EnvVar(INDEX_ENV_VAR))
    return IndexResource(url=DEFAULT_INDEX_URL)


def cli_instance() -> DagsterInstance:
    """The instance at $DAGSTER_HOME, so command-line runs show in the UI; else an ephemeral one."""
    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()
