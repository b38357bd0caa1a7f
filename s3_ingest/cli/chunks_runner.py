"""Run the chunks assets in-process for the command line (`s3-ingest chunks`, the demo): one
materialization per documents partition, as the automation sensor would ask for them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dagster import DagsterInstance, materialize

from s3_ingest.cli.runner import PartitionRun, _failure_message
from s3_ingest.core.sources import Source
from s3_ingest.defs.ingest.partitions import SOURCE_TAG, prefix_partitions
from s3_ingest.defs.resources.index import INDEX_KEY, IndexResource
from s3_ingest.defs.retrieval.assets import build_chunks_asset
from s3_ingest.defs.resources.embedder import EMBEDDER_KEY


def run_chunks(
    sources: Sequence[Source],
    *,
    index: IndexResource,
    embedder: Any,
    instance: DagsterInstance,
    full: bool = False,
    run_config_base: dict[str, Any] | None = None,
    on_partition: Callable[[PartitionRun], None] | None = None,
) -> list[PartitionRun]:
    runs: list[PartitionRun] = []
    for source in sources:
        asset = build_chunks_asset(source)
        partitions_def = prefix_partitions(source)
        partitions = sorted(index.open().partitions(source.name))
        known = set(instance.get_dynamic_partitions(partitions_def.name))
        if new := [p for p in partitions if p not in known]:
            instance.add_dynamic_partitions(partitions_def.name, new)
        for partition in partitions:
            run_config = dict(run_config_base or {})
            run_config["ops"] = {asset.op.name: {"config": {"full": full}}}
            result = materialize(
                [asset], partition_key=partition, instance=instance,
                resources={INDEX_KEY: index, EMBEDDER_KEY: embedder}, run_config=run_config,
                raise_on_error=False,
                tags={"s3_ingest/launched_by": "cli", SOURCE_TAG: source.name},
            )
            run = PartitionRun(
                source.name, partition, result.success,
                metadata=_chunk_metadata(result, asset.op.name),
                error=None if result.success else _failure_message(result),
            )
            runs.append(run)
            if on_partition:
                on_partition(run)
    return runs


def _chunk_metadata(result: Any, node_name: str) -> dict[str, Any]:
    """A chunks materialization's metadata, by its own keys."""
    for materialization in result.asset_materializations_for_node(node_name):
        return {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
    return {}


def print_chunk_run(run: PartitionRun) -> None:
    import click

    if not run.success:
        click.echo(f"  {run.source} {run.partition}: chunks FAILED: {run.error}")
        return
    m = run.metadata
    click.echo(
        f"  {run.source} {run.partition}: chunks written {m.get('chunks_written', 0)}, reused "
        f"{m.get('chunks_reused', 0)}, deleted {m.get('chunks_deleted', 0)}, embedded "
        f"{m.get('chunks_embedded', 0)} in {m.get('seconds', 0):.1f}s"
    )
