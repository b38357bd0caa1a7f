"""The sensor that catches up chunks left behind their documents (issue 19), one per source.

The sync job writes a partition's documents, then its chunks, in one run. When that run is
killed or its chunks step fails, the documents are written and their chunks are not: the
index marks those documents behind (core/index/chunk_coverage.py), and search reads them by
keyword only until a chunks run cuts them. This sensor asks for that run - a subset of the
same sync job, the chunks alone, one run for the partitions behind - without waiting for the
next `s3-ingest sync`.

Its run key names the versions of the documents behind, so a failed catch-up is not asked for
again every tick (a few retries, further apart each time: run_keys.py), while a new state of
those documents is a new key. A partition with a run of the source in flight is left to it.
"""

from __future__ import annotations

from typing import Any

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from s3_ingest.core.plan.partition_ranges import partition_ranges
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import definition_name, source_id
from s3_ingest.defs.ingest.partitions import SOURCE_TAG, prefix_partitions
from s3_ingest.defs.ingest.pending import pending_runs
from s3_ingest.defs.ingest.run_keys import CHANGE_TAG, run_key_for
from s3_ingest.defs.ingest.run_requests import partition_order, range_label, range_tags
from s3_ingest.defs.ingest.tick_errors import tick_errors
from s3_ingest.defs.resources.index import INDEX_KEY
from s3_ingest.defs.retrieval.assets import chunks_asset_key

CHUNKS_BEHIND_INTERVAL_S = 30


def chunks_behind_sensor_name(source: Source) -> str:
    return definition_name(source, "chunks_behind_sensor")


def build_chunks_behind_sensor(source: Source, job: Any) -> SensorDefinition:
    """`job`: the source's sync job; its runs select the chunks asset alone."""
    partitions_def = prefix_partitions(source)

    @sensor(
        name=chunks_behind_sensor_name(source),
        job=job,
        minimum_interval_seconds=CHUNKS_BEHIND_INTERVAL_S,
        default_status=(
            DefaultSensorStatus.RUNNING if source.sensor_running else DefaultSensorStatus.STOPPED
        ),
        required_resource_keys={INDEX_KEY},
        description=f"Runs {source.name}/chunks for partitions whose documents a run wrote "
                    "and whose chunks it did not (a killed run, a failed chunks step).",
    )
    def chunks_behind(context: SensorEvaluationContext) -> SensorResult | SkipReason:
        with tick_errors(source, "chunks behind"):
            index = getattr(context.resources, INDEX_KEY).open()
            versions = index.behind_versions(source.name)
            if not versions:
                return SkipReason("every partition's chunks are in step with its documents")
            in_flight = pending_runs(context.instance, source, versions).by_partition
        waiting = {p: v for p, v in versions.items() if p not in in_flight}
        requests = []
        for partitions in partition_ranges(waiting, partition_order(context.instance,
                                                                    partitions_def)):
            named = ",".join(waiting[p] for p in partitions if p in waiting)
            change = f"{source.name}:{range_label(partitions)}:chunks:{_digest(named)}"
            run_key = run_key_for(context.instance, change)
            if run_key is None:
                continue  # failed too often for this state: the next change asks again
            single = len(partitions) == 1
            tags = {"s3_ingest/trigger": "chunks behind", SOURCE_TAG: source_id(source),
                    CHANGE_TAG: change}
            requests.append(RunRequest(
                run_key=run_key, asset_selection=[chunks_asset_key(source)],
                partition_key=partitions[0] if single else None,
                tags=tags if single else tags | range_tags(partitions)))
        context.log.info(f"chunks behind in {len(versions)} partition(s), "
                         f"{len(versions) - len(waiting)} with a run in flight")
        return SensorResult(run_requests=requests)

    return chunks_behind


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:16]
