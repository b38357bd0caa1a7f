"""Drive sensors the way Dagster's daemon does, in-process: evaluate a tick, apply its partition
requests, and launch each requested run whose run key has never run before."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dagster import DagsterInstance, Definitions, build_sensor_context, materialize

from s3_ingest.core.sources import Source
from s3_ingest.defs.ingest.assets import build_documents_asset
from s3_ingest.defs.resources.index import IndexResource
from s3_ingest.defs.resources.s3 import s3_resource_for, s3_resource_key
from s3_ingest.defs.resources.sqs import sqs_resource_for, sqs_resource_key


@dataclass
class Daemon:
    source: Source
    index_path: str
    instance: DagsterInstance = field(default_factory=DagsterInstance.ephemeral)
    cursors: dict[str, str | None] = field(default_factory=dict)
    launched: list[Any] = field(default_factory=list)

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = {
            "index": IndexResource(url=self.index_path),
            s3_resource_key(self.source): s3_resource_for(self.source),
        }
        if self.source.events:
            resources[sqs_resource_key(self.source)] = sqs_resource_for(self.source)
        return resources

    def tick(self, sensor: Any) -> Any:
        defs = Definitions(
            assets=[build_documents_asset(self.source)], sensors=[sensor],
            resources=self.resources,
        )
        with build_sensor_context(
            instance=self.instance, cursor=self.cursors.get(sensor.name),
            resources=self.resources, definitions=defs,
        ) as context:
            result = sensor(context)
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(request.partitions_def_name,
                                                 list(request.partition_keys))
        if result.cursor is not None:
            self.cursors[sensor.name] = result.cursor
        return result

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
                                    config=config or requested))
        return results

    def run(self, partition: str, *, run_key: str | None = None,
            config: dict[str, Any] | None = None, resources: dict[str, Any] | None = None) -> Any:
        asset = build_documents_asset(self.source)
        name = f"{self.source.name}_prefixes"
        if partition not in self.instance.get_dynamic_partitions(name):
            self.instance.add_dynamic_partitions(name, [partition])
        result = materialize(
            [asset], partition_key=partition, instance=self.instance,
            resources=resources or self.resources,
            run_config={"ops": {asset.op.name: {"config": config}}} if config else None,
            tags={"dagster/run_key": run_key} if run_key else None, raise_on_error=False,
        )
        self.launched.append(result)
        return result
