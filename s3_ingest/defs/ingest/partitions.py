"""One dynamic partition per top-level prefix of a source, so one prefix can be backfilled alone."""

from __future__ import annotations

from collections.abc import Iterable

from dagster import AddDynamicPartitionsRequest, DagsterInstance, DynamicPartitionsDefinition

from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import definition_name


# On every run of a source (sensors, schedules, the command line, the sync job), so the run
# queue's per-source limit in dagster.yaml applies: Dagster does not copy asset tags onto runs.
SOURCE_TAG = "s3_ingest/source"


def prefix_partitions(source: Source) -> DynamicPartitionsDefinition:
    return DynamicPartitionsDefinition(name=definition_name(source, "prefixes"))


def add_new_partitions(
    instance: DagsterInstance, partitions_def: DynamicPartitionsDefinition, seen: Iterable[str]
) -> list[AddDynamicPartitionsRequest]:
    """The request a sensor returns to add the partitions it saw that do not exist yet."""
    assert partitions_def.name is not None
    new = sorted(set(seen) - set(instance.get_dynamic_partitions(partitions_def.name)))
    return [AddDynamicPartitionsRequest(partitions_def.name, new)] if new else []
