"""One chunks asset per source, downstream of its documents and partitioned the same way.

A chunks partition is cut, embedded and stored in the same run as its documents partition:
the source's sync job (defs/ingest/jobs.py) selects both, so every sensor run, `s3-ingest
sync` and backfill of that job brings the two in step. Its automation condition (eager) covers
what that job does not: a documents partition materialized alone (from the asset's page)
gets its chunks run from the source's automation sensor (automation.py) right after.
"""


from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AutomationCondition,
    Config,
    MaterializeResult,
    asset,
)
from pydantic import Field

from s3_ingest.core.retrieval.chunk_run import ChunkReport, chunk_partition
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import (
    index_kind, source_asset_key, source_group, source_id, source_owners,
)
from s3_ingest.defs.ingest.assets import documents_asset_key, progress_log
from s3_ingest.defs.ingest.partitions import SOURCE_TAG, prefix_partitions
from s3_ingest.defs.resources.embedder import EMBEDDER_KEY
from s3_ingest.defs.resources.index import INDEX_KEY
from s3_ingest.defs.retrieval.metadata import chunk_metadata


class ChunksConfig(Config):
    full: bool = Field(
        default=False,
        description="Re-cut and re-embed every document (after changing the embedding model).",
    )


def chunks_asset_key(source: Source) -> AssetKey:
    return source_asset_key(source, "chunks")


def chunks_op_name(source: Source) -> str:
    return "__".join(chunks_asset_key(source).path)


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
        tags={SOURCE_TAG: source_id(source)},
        description=(
            f"Passages of {source.name}'s documents (about 200-300 words, following headings, "
            "pages, rows and records) with their embeddings, for search by meaning."
            + (f" NOTE: {notice}." if notice else "")
        ),
    )
    def chunks(context: AssetExecutionContext, config: ChunksConfig) -> MaterializeResult:
        index = getattr(context.resources, INDEX_KEY).open()
        embedder = getattr(context.resources, EMBEDDER_KEY).embedder()
        # One partition, or each of a run's range (one run for many changes), with its own
        # metadata.
        for partition in context.partition_keys:
            def progress(report: ChunkReport, partition: str = partition) -> None:
                message = (f"{source.name} {partition}: chunks written {report.written}, "
                           f"embedded {report.embedded}, reused {report.reused}")
                context.log.info(message)
                progress_log.info(message)

            report = chunk_partition(index, source.name, partition, embedder,
                                     full=config.full, progress=progress)
            total = index.chunk_count(source.name, partition)
            context.add_asset_metadata(chunk_metadata(report, total, embedder.dimension),
                                       partition_key=partition)
        return MaterializeResult()

    return chunks
