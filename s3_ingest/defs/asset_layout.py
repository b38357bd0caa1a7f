"""Where a source's assets sit in a Dagster project: their keys (under the source's key_prefix,
so two teams' sources never collide with each other or with a project's own assets), their
group, and the kinds and owners the UI shows on each, as Dagster's own integrations do."""

from __future__ import annotations

import os

from dagster import AssetKey

from s3_ingest.core.index import is_postgres_url
from s3_ingest.core.index.location import INDEX_ENV_VAR
from s3_ingest.core.sources import Source


def source_asset_key(source: Source, leaf: str) -> AssetKey:
    """`<key_prefix...>/<source>/<leaf>`: documents, chunks, bucket, parquet."""
    return AssetKey([*source.key_prefix, source.name, leaf])


def source_group(source: Source) -> str:
    return source.group_name or source.name


def index_kind() -> str:
    """The index's storage as a kind: the default index resource reads the same variable."""
    return "postgres" if is_postgres_url(os.environ.get(INDEX_ENV_VAR, "")) else "sqlite"


def source_owners(source: Source) -> list[str] | None:
    return list(source.owners) or None
