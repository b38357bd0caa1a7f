"""One dynamic partition per top-level prefix of a source, so one prefix can be backfilled alone."""

from __future__ import annotations

from dagster import DynamicPartitionsDefinition

from s3_ingest.core.sources import Source


def prefix_partitions(source: Source) -> DynamicPartitionsDefinition:
    return DynamicPartitionsDefinition(name=f"{source.name}_prefixes")
