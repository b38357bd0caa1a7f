"""`s3-ingest sync`: the configured sources, through the real assets, with a printed summary."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from s3_ingest.cli.chunks_runner import chunks_line, print_chunk_run
from s3_ingest.cli.progress import clear_progress
from s3_ingest.cli.runner import PartitionRun, SourcePlan, sync
from s3_ingest.cli.settings import cli_instance, index_resource_for
from s3_ingest.cli.vector_warning import echo_vector_warning
from s3_ingest.core.sources import Source

COLUMNS = ("listed", "selected", "unchanged", "fetched", "indexed", "metadata_only", "deleted",
           "failed")


def _skipped(values: dict[str, Any]) -> str:
    reasons = {k[len("skipped_"):]: int(v or 0) for k, v in values.items()
               if k.startswith("skipped_") and v}
    if not reasons:
        return "skipped 0"
    return f"skipped {sum(reasons.values())} (" + ", ".join(
        f"{reason.replace('_', ' ')} {n}" for reason, n in sorted(reasons.items())) + ")"


def print_partition(run: PartitionRun) -> None:
    if not run.documents:  # a partition whose chunks were behind: only they ran
        return print_chunk_run(run)
    counts = ", ".join(f"{c.replace('_', '-')} {run.metadata.get(c, 0)}" for c in COLUMNS)
    mode = run.metadata.get("mode")
    where = f"{run.source} {run.partition}"
    if run.success:
        click.echo(f"ok    {where}: {counts}, {_skipped(run.metadata)}"
                   + (f" ({mode})" if mode else ""))
        if run.chunks is not None:
            click.echo(f"      {chunks_line(run.chunks)}")
    else:
        click.echo(f"FAIL  {where}: {run.error}", err=True)
        if run.metadata:
            click.echo(f"      {counts}, {_skipped(run.metadata)}", err=True)


def print_scan(source: str, planned: SourcePlan) -> None:
    if not planned.listed:
        return
    skipped = ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in sorted(planned.skipped.items()))
    changed = len(planned.partitions)
    click.echo(
        f"scan  {source}: {planned.listed} keys listed"
        + (f", skipped {sum(planned.skipped.values())} ({skipped})" if skipped else "")
        + (f"; {changed} partition(s) changed" if changed else "; nothing changed")
    )


def print_summary(runs: Sequence[PartitionRun]) -> None:
    """Totals over every run, failed ones included (a failed run still reports its counts)."""
    totals = {c: sum(int(r.metadata.get(c, 0) or 0) for r in runs) for c in COLUMNS}
    skipped: dict[str, int] = {}
    for run in runs:
        for key, value in run.metadata.items():
            if key.startswith("skipped_") and value:
                skipped[key] = skipped.get(key, 0) + int(value)
    failed = sum(1 for r in runs if not r.success)
    click.echo(
        f"\n{len(runs)} partition run(s), {failed} failed. "
        + ", ".join(f"{c.replace('_', '-')}: {v}" for c, v in totals.items())
        + f", {_skipped(skipped)}"
    )


def json_summary(runs: Sequence[PartitionRun], scans: dict[str, SourcePlan]) -> dict[str, Any]:
    """`sync --json`: per source, what the scan saw and each run's counts; totals; ok."""
    sources: dict[str, Any] = {}
    for name, planned in scans.items():
        sources[name] = {"scan": {"listed": planned.listed, "skipped": dict(planned.skipped),
                                  "partitions_changed": len(planned.partitions)}, "runs": []}
    for run in runs:
        entry = sources.setdefault(run.source, {"scan": None, "runs": []})
        entry["runs"].append({"partition": run.partition, "ok": run.success, "error": run.error,
                              "counts": run.metadata, "chunks": run.chunks})
    totals = {c: sum(int(r.metadata.get(c, 0) or 0) for r in runs) for c in COLUMNS}
    return {"ok": all(r.success for r in runs), "runs": len(runs),
            "failed": sum(1 for r in runs if not r.success), "totals": totals,
            "sources": sources}


def run_sync(
    sources: Sequence[Source],
    *,
    index_url: str | None,
    prefix: str | None,
    config: dict[str, Any],
    run_config_base: dict[str, Any],
    as_json: bool = False,
    chunks: bool = True,
) -> bool:
    echo_vector_warning(index_url)  # issue 19: up front, not first at search time
    index = index_resource_for(index_url)
    scans: dict[str, SourcePlan] = {}

    def on_scan(source: str, planned: SourcePlan) -> None:
        scans[source] = planned
        if not as_json:
            clear_progress()
            print_scan(source, planned)

    def on_partition(run: PartitionRun) -> None:
        if not as_json:
            clear_progress()
            print_partition(run)

    runs = sync(
        sources,
        index=index,
        instance=cli_instance(),
        prefix=prefix,
        asset_config=config,
        run_config_base=run_config_base,
        on_partition=on_partition,
        on_scan=on_scan,
        chunks=chunks,
    )
    clear_progress()
    if as_json:
        click.echo(json.dumps(json_summary(runs, scans), sort_keys=True))
    else:
        print_summary(runs)
    return all(r.success for r in runs)  # nothing changed is a success too
