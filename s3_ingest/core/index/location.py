"""Where the index is: a URL or path from the command line, else $S3_INGEST_INDEX_URL, else a
file in the working directory. Dagster-free, so reading the index (`s3-ingest search`) starts
without importing Dagster."""

from __future__ import annotations

import os

INDEX_ENV_VAR = "S3_INGEST_INDEX_URL"
DEFAULT_INDEX_URL = ".s3_ingest/index.db"


def resolve_index_url(cli_value: str | None = None) -> str:
    return cli_value or os.environ.get(INDEX_ENV_VAR) or DEFAULT_INDEX_URL
