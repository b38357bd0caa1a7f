"""Where a source's definitions sit in a Dagster project: their asset keys (under the source's
key_prefix), the names of everything else it brings (jobs, sensors, schedule, partitions,
resources, the tag its runs carry), the group, and the kinds and owners the UI shows on each
asset, as Dagster's own integrations do. Keys and names follow one setting, key_prefix, so two
teams' sources of the same name load side by side in one project."""

from __future__ import annotations

import os

from dagster import AssetKey

from s3_ingest.core.index import is_postgres_url
from s3_ingest.core.index.location import INDEX_ENV_VAR
from s3_ingest.core.sources.model import Source


def source_id(source: Source) -> str:
    """The source's name under its key_prefix, as one Dagster name (`team_a_docs_handbook`):
    every definition name and resource key of the source is made from it, and the
    `s3_ingest/source` tag of its runs carries it. Without a key_prefix it is the name."""
    return "_".join([*source.key_prefix, source.name])


def definition_name(source: Source, kind: str) -> str:
    """`<source_id>_<kind>`: handbook_sync, handbook_poll_sensor, team_a_handbook_prefixes."""
    return f"{source_id(source)}_{kind}"


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
