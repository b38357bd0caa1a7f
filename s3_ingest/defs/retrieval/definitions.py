"""What retrieval adds to the code location, per source: the bucket as an external asset
upstream of the documents, the chunks asset, an optional Parquet export, and the sensor that
keeps chunks in step with documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dagster import AssetsDefinition

from s3_ingest.core.sources.model import Source
from s3_ingest.defs.retrieval.assets import build_chunks_asset
from s3_ingest.defs.retrieval.automation import build_chunks_automation_sensor
from s3_ingest.defs.retrieval.lineage import bucket_asset, with_bucket_upstream
from s3_ingest.defs.retrieval.parquet import build_parquet_asset, parquet_folder
from s3_ingest.defs.retrieval.vector_notice import vector_search_notice


@dataclass
class RetrievalDefinitions:
    sources: Sequence[Source]
    assets: list[Any]
    sensors: list[Any]

    def with_lineage(self, documents: Sequence[AssetsDefinition]) -> list[Any]:
        """The documents assets, each with its bucket upstream."""
        return [with_bucket_upstream(s, d) for s, d in zip(self.sources, documents)]


def retrieval_definitions(sources: Sequence[Source]) -> RetrievalDefinitions:
    assets: list[Any] = [bucket_asset(source) for source in sources]
    notice = vector_search_notice() if sources else None
    assets += [build_chunks_asset(source, notice) for source in sources]
    if folder := parquet_folder():
        assets += [build_parquet_asset(source, folder) for source in sources]
    sensors = [build_chunks_automation_sensor(source) for source in sources]
    return RetrievalDefinitions(sources, assets, sensors)
