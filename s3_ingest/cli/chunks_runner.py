"""`s3-ingest chunks` (and a `sync` whose chunks are behind): the chunks of every indexed
partition, each through a run of the source's sync job with only its chunks selected - the
same job the sensors and `sync` run, never an ephemeral one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dagster import DagsterInstance

from s3_ingest.cli.runner import PartitionRun, register_partitions, run_partition, \
    source_definitions
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.ingest.jobs import sync_job_name
from s3_ingest.defs.resources.index import IndexResource
from s3_ingest.defs.retrieval.assets import chunks_op_name


def run_chunks(
    sources: Sequence[Source],
    *,
    index: IndexResource,
    instance: DagsterInstance,
    full: bool = False,
    run_config_base: dict[str, Any] | None = None,
    on_partition: Callable[[PartitionRun], None] | None = None,
) -> list[PartitionRun]:
    runs: list[PartitionRun] = []
    for source in sources:
        partitions = sorted(index.open().partitions(source.name))
        register_partitions(source, instance, partitions)
        job = source_definitions(source, index).resolve_job_def(sync_job_name(source))
        for partition in partitions:
            run_config = dict(run_config_base or {})
            run_config["ops"] = {chunks_op_name(source): {"config": {"full": full}}}
            run = run_partition(source, job, partition, instance=instance,
                                run_config=run_config, documents=False)
            runs.append(run)
            if on_partition:
                on_partition(run)
    return runs


def chunks_line(counts: dict[str, Any]) -> str:
    return (f"chunks written {counts.get('written', 0)}, reused {counts.get('reused', 0)}, "
            f"deleted {counts.get('deleted', 0)}, embedded {counts.get('embedded', 0)} in "
            f"{counts.get('seconds', 0):.1f}s")


def print_chunk_run(run: PartitionRun) -> None:
    import click

    if not run.success:
        error = (run.error or "").removeprefix("chunks: ")
        click.echo(f"  {run.source} {run.partition}: chunks FAILED: {error}")
        return
    click.echo(f"  {run.source} {run.partition}: {chunks_line(run.chunks or {})}")
