"""Where the command line finds the index and the Dagster instance."""

from __future__ import annotations

import os

from dagster import DagsterInstance

from s3_ingest.defs.resources.index import DEFAULT_INDEX_URL, INDEX_ENV_VAR, IndexResource


def resolve_index_url(cli_value: str | None = None) -> str:
    return cli_value or os.environ.get(INDEX_ENV_VAR) or DEFAULT_INDEX_URL


def index_resource_for(cli_value: str | None = None) -> IndexResource:
    return IndexResource(url=resolve_index_url(cli_value))


def cli_instance() -> DagsterInstance:
    """The instance at $DAGSTER_HOME, so command-line runs show in the UI; else an ephemeral one."""
    if os.environ.get("DAGSTER_HOME"):
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()
