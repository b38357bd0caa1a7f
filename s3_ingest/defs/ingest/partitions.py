"""One dynamic partition per top-level prefix of a source, so one prefix can be backfilled alone."""

from __future__ import annotations

from dagster import DynamicPartitionsDefinition

from s3_ingest.core.sources import Source


# On every run of a source (sensors, schedules, the command line, the sync job), so the run
# queue's per-source limit in dagster.yaml applies: Dagster does not copy asset tags onto runs.
SOURCE_TAG = "s3_ingest/source"


def prefix_partitions(source: Source) -> DynamicPartitionsDefinition:
    return DynamicPartitionsDefinition(name=f"{source.name}_prefixes")
