"""One chunks asset per source, downstream of its documents and partitioned the same way.

A chunks partition is cut, embedded and stored right after its documents partition changes:
its automation condition (eager) asks for it once the documents partition has a new
materialization and no upstream run is in progress, and the source's automation sensor
(automation.py) evaluates that condition - so a sensor-triggered documents run is followed by
its chunks run with nobody clicking.
"""


from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AutomationCondition,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from s3_ingest.core.retrieval.chunk_run import ChunkReport, chunk_partition
from s3_ingest.core.sources import Source
from s3_ingest.defs.asset_layout import (
    index_kind, source_asset_key, source_group, source_owners,
)
from s3_ingest.defs.ingest.assets import documents_asset_key, progress_log
from s3_ingest.defs.ingest.partitions import SOURCE_TAG, prefix_partitions
from s3_ingest.defs.resources.index import INDEX_KEY
from s3_ingest.defs.resources.embedder import EMBEDDER_KEY


class ChunksConfig(Config):
    full: bool = Field(
        default=False,
        description="Re-cut and re-embed every document (after changing the embedding model).",
    )


def chunks_asset_key(source: Source) -> AssetKey:
    return source_asset_key(source, "chunks")


def chunk_metadata(report: ChunkReport, total: int, dimension: int) -> dict[str, object]:
    return {
        "documents": report.documents,
        "documents_changed": report.documents_changed,
        "chunks_written": report.written,
        "chunks_reused": report.reused,
        "chunks_deleted": report.deleted,
        "chunks_embedded": report.embedded,
        "seconds": MetadataValue.float(round(report.seconds, 3)),
        "chunks_per_second": MetadataValue.float(round(report.chunks_per_second, 1)),
        "model": report.model,
        "dimension": dimension,
        "dagster/row_count": total,
    }


def build_chunks_asset(source: Source, notice: str | None = None) -> AssetsDefinition:
    """`notice`: why the index cannot search these vectors yet (PostgreSQL without pgvector)."""
    @asset(
        key=chunks_asset_key(source),
        deps=[documents_asset_key(source)],
        group_name=source_group(source),
        owners=source_owners(source),
        partitions_def=prefix_partitions(source),
        required_resource_keys={INDEX_KEY, EMBEDDER_KEY},
        kinds={index_kind()},
        automation_condition=AutomationCondition.eager(),
        tags={SOURCE_TAG: source.name},
        description=(
            f"Passages of {source.name}'s documents (about 200-300 words, following headings, "
            "pages, rows and records) with their embeddings, for search by meaning."
            + (f" NOTE: {notice}." if notice else "")
        ),
    )
    def chunks(context: AssetExecutionContext, config: ChunksConfig) -> MaterializeResult:
        index = getattr(context.resources, INDEX_KEY).open()
        embedder = getattr(context.resources, EMBEDDER_KEY).embedder()
        partition = context.partition_key

        def progress(report: ChunkReport) -> None:
            message = (f"{source.name} {partition}: chunks written {report.written}, embedded "
                       f"{report.embedded}, reused {report.reused}")
            context.log.info(message)
            progress_log.info(message)

        report = chunk_partition(index, source.name, partition, embedder, full=config.full,
                                 progress=progress)
        total = index.chunk_count(source.name, partition)
        return MaterializeResult(metadata=chunk_metadata(report, total, embedder.dimension))

    return chunks
