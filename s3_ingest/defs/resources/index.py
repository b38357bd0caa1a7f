"""The document index as a Dagster resource: an embedded SQLite file unless configured otherwise."""

from __future__ import annotations

import os
from typing import Any

from dagster import ConfigurableResource, EnvVar, InitResourceContext
from pydantic import Field, PrivateAttr

from s3_ingest.core.index import DocumentIndex, open_index

from s3_ingest.core.index.location import DEFAULT_INDEX_URL, INDEX_ENV_VAR  # noqa: F401

# Namespaced, so a project that adds s3_ingest keeps its own `index` resource (issue 22).
INDEX_KEY = "s3_ingest_index"


class IndexResource(ConfigurableResource):
    url: str = Field(
        default=DEFAULT_INDEX_URL,
        description=(
            "sqlite:///path/to/index.db or a bare file path (created on first use), or "
            "postgresql://user:password@host:5432/db (schema created on first use)."
        ),
    )

    _index: Any = PrivateAttr(default=None)

    def open(self) -> DocumentIndex:
        if self._index is None:
            self._index = open_index(self.resolved_url())
        return self._index

    def resolved_url(self) -> str:
        # Outside a run (the command line's planning) Dagster has not resolved the EnvVar yet.
        url = self.url
        return url.get_value() or "" if isinstance(url, EnvVar) else url

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None


def index_resource() -> IndexResource:
    """$S3_INGEST_INDEX_URL when set (as an EnvVar: a database URL may carry a password)."""
    if os.environ.get(INDEX_ENV_VAR):
        return IndexResource(url=EnvVar(INDEX_ENV_VAR))
    return IndexResource()
