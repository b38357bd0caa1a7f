"""`s3-ingest sync`: the configured sources, through the real assets, with a printed summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from s3_ingest.cli.runner import PartitionRun, sync
from s3_ingest.cli.settings import cli_instance, index_resource_for
from s3_ingest.core.sources import Source

COLUMNS = ("listed", "selected", "unchanged", "fetched", "indexed", "metadata_only", "deleted",
           "failed")


def print_partition(run: PartitionRun) -> None:
    if run.success:
        counts = ", ".join(f"{c} {run.metadata.get(c, 0)}" for c in COLUMNS)
        click.echo(f"ok    {run.source} {run.partition}: {counts}")
    else:
        click.echo(f"FAIL  {run.source} {run.partition}: {run.error}", err=True)


def print_scan(source: str, listed: int, partitions: int) -> None:
    if listed:
        click.echo(f"scan  {source}: {listed} keys listed, {partitions} partition(s) changed")


def print_summary(runs: Sequence[PartitionRun]) -> None:
    totals = {c: sum(int(r.metadata.get(c, 0) or 0) for r in runs) for c in COLUMNS}
    failed = sum(1 for r in runs if not r.success)
    click.echo(
        f"\n{len(runs)} partition run(s), {failed} failed. "
        + ", ".join(f"{c}: {v}" for c, v in totals.items())
    )


def run_sync(
    sources: Sequence[Source],
    *,
    index_url: str | None,
    prefix: str | None,
    config: dict[str, Any],
    run_config_base: dict[str, Any],
) -> bool:
    index = index_resource_for(index_url)
    runs = sync(
        sources,
        index=index,
        instance=cli_instance(),
        prefix=prefix,
        asset_config=config,
        run_config_base=run_config_base,
        on_partition=print_partition,
        on_scan=print_scan,
    )
    print_summary(runs)
    return all(r.success for r in runs)  # nothing changed is a success too
