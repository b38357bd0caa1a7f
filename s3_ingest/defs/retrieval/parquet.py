"""An optional asset per source: each partition's documents and chunks as Parquet files.

Off by default; one line turns it on: S3_INGEST_PARQUET_DIR=/path/to/exports (a local folder,
or a mounted bucket). It runs after each chunks run, by the same automation.
"""

import os

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AutomationCondition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import source_asset_key, source_group, source_id, source_owners
from s3_ingest.defs.ingest.partitions import SOURCE_TAG, prefix_partitions
from s3_ingest.defs.resources.index import INDEX_KEY
from s3_ingest.defs.retrieval.assets import chunks_asset_key

PARQUET_ENV = "S3_INGEST_PARQUET_DIR"


def parquet_folder() -> str | None:
    return os.environ.get(PARQUET_ENV) or None


def parquet_asset_key(source: Source) -> AssetKey:
    return source_asset_key(source, "parquet")


def build_parquet_asset(source: Source, folder: str) -> AssetsDefinition:
    @asset(
        key=parquet_asset_key(source),
        deps=[chunks_asset_key(source)],
        group_name=source_group(source),
        owners=source_owners(source),
        partitions_def=prefix_partitions(source),
        required_resource_keys={INDEX_KEY},
        kinds={"parquet"},
        automation_condition=AutomationCondition.eager(),
        tags={SOURCE_TAG: source_id(source)},
        description=f"{source.name}'s documents and chunks as Parquet files under {folder}.",
    )
    def parquet(context: AssetExecutionContext) -> MaterializeResult:
        # Imported here: pyarrow costs every process that loads the code location 0.2 s.
        from s3_ingest.core.retrieval.parquet_export import export_partition

        index = getattr(context.resources, INDEX_KEY).open()
        written = export_partition(index, source.name, context.partition_key, folder)
        (documents, doc_rows), (chunks, chunk_rows) = written["documents"], written["chunks"]
        return MaterializeResult(metadata={
            "documents_path": MetadataValue.path(str(documents)),
            "chunks_path": MetadataValue.path(str(chunks)),
            "documents": doc_rows,
            "chunks": chunk_rows,
        })

    return parquet
