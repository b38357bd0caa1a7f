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
from s3_ingest.cli.sync_report import (
    CHANGE_KINDS,
    KeyLines,
    changed_keys,
    hidden_count,
    run_totals,
    sync_totals,
)
from s3_ingest.cli.vector_warning import echo_vector_warning
from s3_ingest.core.index.principals import apply_acls
from s3_ingest.core.sources.acl import source_acls
from s3_ingest.core.sources.model import Source

DEFAULT_MAX_KEYS = 20


def partition_line(run: PartitionRun) -> str:
    mode = run.metadata.get("mode")
    return (f"{run.source} {run.partition}: " + run_totals(run.metadata).line()
            + (f" ({mode})" if mode else "")
            + (f"; {chunks_line(run.chunks)}" if run.chunks is not None else ""))


def print_partition(run: PartitionRun, keys: KeyLines | None = None) -> None:
    """One line per partition run (and, with `keys`, the keys it changed)."""
    clear_progress()
    if not run.documents:  # a partition whose chunks were behind: only they ran
        return print_chunk_run(run)
    if run.success:
        click.echo(f"ok    {partition_line(run)}")
    else:
        click.echo(f"FAIL  {run.source} {run.partition}: {run.error}", err=True)
        if run.metadata:
            click.echo(f"      {run_totals(run.metadata).line()}", err=True)
    for line in keys.lines(run) if keys else ():
        click.echo(line)


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


def print_summary(runs: Sequence[PartitionRun], scans: dict[str, SourcePlan] | None = None,
                  keys: KeyLines | None = None) -> None:
    """Totals over every run, failed ones included (a failed run still reports its counts),
    and the keys of unchanged partitions the scans listed."""
    rest = keys.rest() if keys else None
    if rest:
        click.echo(rest)
    totals = sync_totals(runs, scans or {})
    failed = sum(1 for r in runs if not r.success)
    if not failed and not totals.changed:
        click.echo(f"\nnothing changed: {totals.listed} keys listed, {totals.selected} selected, "
                   f"{totals.unchanged} unchanged")
        return
    click.echo(f"\n{len(runs)} partition run(s), {failed} failed: {totals.line()}")


def json_summary(runs: Sequence[PartitionRun], scans: dict[str, SourcePlan]) -> dict[str, Any]:
    """`sync --json`: per source, what the scan saw and each run's counts and changed keys;
    totals; ok."""
    sources: dict[str, Any] = {}
    for name, planned in scans.items():
        sources[name] = {"scan": {"listed": planned.listed, "skipped": dict(planned.skipped),
                                  "partitions_changed": len(planned.partitions)}, "runs": []}
    for run in runs:
        entry = sources.setdefault(run.source, {"scan": None, "runs": []})
        counts = {k: v for k, v in run.metadata.items() if k != "changed"}
        entry["runs"].append({"partition": run.partition, "ok": run.success, "error": run.error,
                              "counts": counts, "changed": run.metadata.get("changed"),
                              "chunks": run.chunks})
    totals = sync_totals(runs, scans)
    changed = {kind: [] for kind in CHANGE_KINDS}
    for kind, source, key, reason in changed_keys(runs):
        changed[kind].append({"source": source, "key": key}
                             | ({"reason": reason} if kind == "failed" else {}))
    return {"ok": all(r.success for r in runs), "runs": len(runs),
            "failed": sum(1 for r in runs if not r.success), "totals": totals.as_json(),
            "nothing_changed": not totals.changed and all(r.success for r in runs),
            "changed": changed,
            "changed_left_out": sum(hidden_count(r) for r in runs),
            "sources": sources}


def run_sync(
    sources: Sequence[Source],
    *,
    index_url: str | None,
    prefix: str | None,
    config: dict[str, Any],
    run_config_base: dict[str, Any],
    as_json: bool = False,
    max_keys: int = DEFAULT_MAX_KEYS,
    chunks: bool = True,
) -> bool:
    index = index_resource_for(index_url)
    # An index that cannot be opened (a PostgreSQL database not created yet, a server down)
    # is one error before any source is read, not the same failure once per source.
    opened = index.open()
    opened.count()
    # An ACL changed in the sources file reaches the documents even when nothing else did.
    apply_acls(opened, source_acls(sources))
    echo_vector_warning(index=opened)  # issue 19: up front, not first at search time
    scans: dict[str, SourcePlan] = {}
    keys = KeyLines(max_keys)

    def on_scan(source: str, planned: SourcePlan) -> None:
        scans[source] = planned
        if not as_json:
            clear_progress()
            print_scan(source, planned)

    def on_partition(run: PartitionRun) -> None:
        if not as_json:
            clear_progress()
            print_partition(run, keys)

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
        print_summary(runs, scans, keys)
    return all(r.success for r in runs)  # nothing changed is a success too
