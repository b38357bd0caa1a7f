"""Drive sensors in-process through the function Dagster's code server runs for the daemon.

A tick is evaluated by `get_external_sensor_execution` - the daemon's own path: it builds the
sensor's context and resources from the definitions exactly as a real tick does - and a tick
that raised comes back as the error the UI would show. What the harness does itself is what a
real daemon test is too slow for in every case: applying the partition requests and launching
each new run key's run in this process (with `materialize`, instead of a run worker process).
The end-to-end test in s3_ingest_tests/daemon/ runs the real daemon for the whole loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dagster import DagsterInstance, Definitions, materialize
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._grpc.impl import get_external_sensor_execution
from dagster._core.definitions.sensor_definition import SensorExecutionData

from s3_ingest.core.sources.model import Source
from s3_ingest.defs.ingest.assets import build_documents_asset
from s3_ingest.defs.resources.embedder import EMBEDDER_KEY, LocalEmbedderResource
from s3_ingest.defs.resources.index import INDEX_KEY, IndexResource
from s3_ingest.defs.resources.s3 import s3_resource_for, s3_resource_key
from s3_ingest.defs.resources.sqs import sqs_resource_for, sqs_resource_key
from s3_ingest.defs.retrieval.assets import build_chunks_asset


def plans_of(request: Any) -> dict[str, dict[str, Any]]:
    """partition -> its plan in a run request (a run may cover several partitions; one that
    names no plan lists its partition)."""
    ops = (request.run_config or {}).get("ops", {})
    config = next(iter(ops.values()), {}).get("config") or {} if ops else {}
    return dict(config.get("partitions") or {request.partition_key: {"listing": True}})


def changed_plans(result: Any) -> dict[str, dict[str, Any]]:
    """partition -> plan over every request of a tick, leaving out the partitions a run only
    carries (between two changed ones, nothing to do)."""
    names = ("objects", "upserts", "deletions", "drops", "listing", "spill")
    return {partition: plan for request in result.run_requests or []
            for partition, plan in plans_of(request).items()
            if any(plan.get(name) for name in names)}


class TickFailed(RuntimeError):
    """A tick raised: the message is what Dagster records on the tick."""


@dataclass
class Daemon:
    source: Source
    index_path: str
    instance: DagsterInstance = field(default_factory=lambda: DagsterInstance.local_temp())
    cursors: dict[str, str | None] = field(default_factory=dict)
    launched: list[Any] = field(default_factory=list)

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = {
            INDEX_KEY: IndexResource(url=self.index_path),
            s3_resource_key(self.source): s3_resource_for(self.source),
        }
        if self.source.events:
            resources[sqs_resource_key(self.source)] = sqs_resource_for(self.source)
        return resources

    def tick(self, sensor: Any) -> SensorExecutionData:
        """One tick; raises TickFailed with the error Dagster records when the tick fails."""
        # The sensors target the source's sync job, which selects its chunks too.
        repo = Definitions(
            assets=[build_documents_asset(self.source), build_chunks_asset(self.source)],
            sensors=[sensor], resources=self.resources | {EMBEDDER_KEY: LocalEmbedderResource()},
        ).get_repository_def()
        origin = InProcessCodeLocationOrigin(LoadableTargetOrigin(module_name="s3_ingest"))
        result = get_external_sensor_execution(
            repo, origin, self.instance.get_ref(), sensor.name, None, None,
            self.cursors.get(sensor.name), None, None,
        )
        if not isinstance(result, SensorExecutionData):
            raise TickFailed(result.error.to_string())
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(request.partitions_def_name,
                                                 list(request.partition_keys))
        if result.cursor is not None:
            self.cursors[sensor.name] = result.cursor
        return result

    def arm(self, sensor: Any) -> None:
        """The events sensor's first tick only starts it (it reads its queue from the next)."""
        assert self.tick(sensor).run_requests == []

    def run_requests(self, result: Any, config: dict[str, Any] | None = None) -> list[Any]:
        """Launch the tick's new run keys; returns the run results."""
        seen = {r.tags.get("dagster/run_key") for r in self.instance.get_runs()}
        results = []
        for request in result.run_requests or []:
            if request.run_key in seen:
                continue
            ops = (request.run_config or {}).get("ops", {})
            requested = next(iter(ops.values()), {}).get("config") if ops else None
            results.append(self.run(request.partition_key, run_key=request.run_key,
                                    config=config or requested, tags=request.tags))
        return results

    def run(self, partition: str | None, *, run_key: str | None = None,
            config: dict[str, Any] | None = None, resources: dict[str, Any] | None = None,
            tags: dict[str, str] | None = None) -> Any:
        asset = build_documents_asset(self.source)
        name = f"{self.source.name}_prefixes"
        # None: a run over a range of partitions, named by its tags (one run for many changes).
        if partition is not None and partition not in self.instance.get_dynamic_partitions(name):
            self.instance.add_dynamic_partitions(name, [partition])
        result = materialize(
            [asset], partition_key=partition, instance=self.instance,
            resources=resources or self.resources,
            run_config={"ops": {asset.op.name: {"config": config}}} if config else None,
            tags=(tags or {}) | ({"dagster/run_key": run_key} if run_key else {}),
            raise_on_error=False,
        )
        self.launched.append(result)
        return result
