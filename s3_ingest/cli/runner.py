"""Run the real Dagster assets in-process for the command line: find each source's partitions,
register them, and materialize them one by one, reporting progress as it goes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dagster import DagsterInstance, materialize

from s3_ingest.core.errors import explain
from s3_ingest.core.listing import list_partitions
from s3_ingest.core.partition_keys import ROOT_PARTITION, encode_partition
from s3_ingest.core.sources import Source
from s3_ingest.defs.ingest.assets import build_documents_asset
from s3_ingest.defs.ingest.partitions import prefix_partitions
from s3_ingest.defs.resources.index import IndexResource
from s3_ingest.defs.resources.s3 import s3_resource_for, s3_resource_key

log = logging.getLogger("s3_ingest")


@dataclass
class PartitionRun:
    source: str
    partition: str
    success: bool
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def partition_key_for(prefix: str) -> str:
    """`--prefix reports`, `reports/` or `(root)` -> the partition key."""
    if prefix in (ROOT_PARTITION, "", "/"):
        return ROOT_PARTITION
    return encode_partition(prefix if prefix.endswith("/") else prefix + "/")


def discover_partitions(source: Source) -> list[str]:
    client = s3_resource_for(source).process_config_and_initialize().get_client()
    try:
        return list_partitions(client, source.bucket, source.prefix)
    except Exception as exc:
        raise explain(
            exc, source=source.name, bucket=source.bucket, endpoint=source.endpoint_url
        ) from None


def _metadata_values(result: Any, node_name: str) -> dict[str, Any]:
    for materialization in result.asset_materializations_for_node(node_name):
        return {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
    return {}


def _failure_message(result: Any) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            # A Failure's description is what the user should read; a crash shows its message.
            user = event.step_failure_data.user_failure_data
            if user is not None and user.description:
                return user.description
            return error.message.strip().splitlines()[0] if error.message else error.cls_name
    return "the run failed"


def sync(
    sources: Sequence[Source],
    *,
    index: IndexResource,
    instance: DagsterInstance,
    prefix: str | None = None,
    asset_config: dict[str, Any] | None = None,
    run_config_base: dict[str, Any] | None = None,
    on_partition: Callable[[PartitionRun], None] | None = None,
) -> list[PartitionRun]:
    """Materialize every partition (or the one named by `prefix`) of each source."""
    runs: list[PartitionRun] = []
    for source in sources:
        asset = build_documents_asset(source)
        partitions_def = prefix_partitions(source)
        if prefix is not None:
            partitions = [partition_key_for(prefix)]
        else:
            try:
                partitions = discover_partitions(source)
            except Exception as exc:  # SourceError: already says what to check
                run = PartitionRun(source.name, "*", False, error=str(exc))
                runs.append(run)
                if on_partition:
                    on_partition(run)
                continue
        known = set(instance.get_dynamic_partitions(partitions_def.name))
        new = [p for p in partitions if p not in known]
        if new:
            instance.add_dynamic_partitions(partitions_def.name, new)
        resources = {"index": index, s3_resource_key(source): s3_resource_for(source)}
        run_config = dict(run_config_base or {})
        if asset_config:
            run_config["ops"] = {asset.op.name: {"config": asset_config}}
        for partition in partitions:
            result = materialize(
                [asset],
                partition_key=partition,
                instance=instance,
                resources=resources,
                run_config=run_config,
                raise_on_error=False,
                tags={"s3_ingest/launched_by": "cli"},
            )
            run = PartitionRun(
                source.name,
                partition,
                result.success,
                metadata=_metadata_values(result, asset.op.name),
                error=None if result.success else _failure_message(result),
            )
            runs.append(run)
            if on_partition:
                on_partition(run)
    return runs
