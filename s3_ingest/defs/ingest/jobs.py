"""The jobs of a source: `<source>_sync` (its documents and their chunks, one prefix partition
per run) and `<source>_drift` (every partition compared with the bucket, on demand)."""

from __future__ import annotations

from dagster import AssetCheckKey, AssetSelection, define_asset_job
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import definition_name, source_id
from s3_ingest.defs.ingest.assets import documents_asset_key
from s3_ingest.defs.ingest.checks import SOURCE_CHECK_NAME
from s3_ingest.defs.ingest.partitions import SOURCE_TAG


def sync_job_name(source: Source) -> str:
    return definition_name(source, "sync")


def drift_job_name(source: Source) -> str:
    return definition_name(source, "drift")


def build_sync_job(source: Source) -> UnresolvedAssetJobDefinition:
    """Every run of a source's documents - sensors, the reconcile, `s3-ingest sync`, the demo,
    a launch from the UI - is a run of this job, so it is listed, linked and re-executable, and
    carries the source's tag (the run queue's per-source limit).

    It selects the chunks too, partitioned the same way: the run that changes a partition's
    documents cuts and embeds them next (incremental by text hash, so an unchanged partition
    costs a read), and search by meaning is never a run behind. `s3-ingest sync --no-chunks`
    and `s3-ingest chunks` run a subset of this same job, never a job of their own."""
    from s3_ingest.defs.retrieval.assets import chunks_asset_key  # retrieval builds on ingest

    return define_asset_job(
        name=sync_job_name(source),
        selection=AssetSelection.assets(documents_asset_key(source), chunks_asset_key(source))
        .without_checks(),
        description=f"Sync one prefix partition of {source.name} with its bucket: its "
                    "documents, then their chunks.",
        tags={SOURCE_TAG: source_id(source)},
    )


def build_drift_job(source: Source) -> UnresolvedAssetJobDefinition:
    return define_asset_job(
        name=drift_job_name(source),
        selection=AssetSelection.checks(
            AssetCheckKey(documents_asset_key(source), SOURCE_CHECK_NAME)),
        description=f"Check every partition of {source.name} against its bucket (no writes).",
        tags={SOURCE_TAG: source_id(source)},
    )
