"""The bucket as an external asset upstream of a source's documents, so the lineage reads
bucket -> documents -> chunks. Dagster does not materialize it: the bucket changes on its own,
and the sensors notice."""

from __future__ import annotations

from dagster import AssetKey, AssetsDefinition, AssetSpec, map_asset_specs

from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import source_asset_key, source_group, source_owners
from s3_ingest.defs.ingest.assets import documents_asset_key


def bucket_asset_key(source: Source) -> AssetKey:
    return source_asset_key(source, "bucket")


def bucket_asset(source: Source) -> AssetSpec:
    return AssetSpec(
        key=bucket_asset_key(source),
        group_name=source_group(source),
        owners=source_owners(source),
        kinds={"s3"},
        description=f"s3://{source.bucket}/{source.prefix} - the objects this source indexes.",
        metadata={"bucket": source.bucket, "prefix": source.prefix or ""},
    )


def with_bucket_upstream(source: Source, documents: AssetsDefinition) -> AssetsDefinition:
    """The documents asset with the bucket as its upstream (lineage only: no input is loaded)."""
    key = documents_asset_key(source)
    [mapped] = map_asset_specs(
        lambda spec: spec.replace_attributes(deps=[*spec.deps, bucket_asset_key(source)])
        if spec.key == key else spec,
        [documents],
    )
    return mapped
