"""`s3-ingest status`: what the index holds per source and partition, and how each source's
sensors are doing - on or off, and their last tick, with the error when it failed.

Sensor ticks live in the Dagster instance that runs the daemon ($DAGSTER_HOME); without one,
the index part is shown alone and the command says where ticks are to be found.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import click

from s3_ingest.cli.vector_warning import echo_vector_warning
from s3_ingest.core.index.base import DocumentIndex
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.asset_layout import definition_name
from s3_ingest.defs.ingest.event_sensors import events_sensor_name
from s3_ingest.defs.ingest.sensors import poll_sensor_name


@dataclass(frozen=True)
class SensorStatus:
    name: str
    on: bool
    last_tick: datetime | None = None
    outcome: str | None = None  # success, skipped, failure, started
    error: str | None = None


def sensor_names(source: Source) -> list[str]:
    names = [poll_sensor_name(source)]
    if source.events:
        names.append(events_sensor_name(source))
    # The chunks assets' automation sensor (defs/retrieval/automation.py): off, and chunks
    # wait for a manual run.
    names.append(definition_name(source, "chunks_automation"))
    return names


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def sensor_statuses(sources: Sequence[Source]) -> dict[str, SensorStatus] | None:
    """sensor name -> status, from the instance at $DAGSTER_HOME; None without one."""
    if not os.environ.get("DAGSTER_HOME"):
        return None
    from dagster import DagsterInstance
    from dagster._core.scheduler.instigation import InstigatorStatus, InstigatorType

    wanted = {name: source for source in sources for name in sensor_names(source)}
    result = {name: SensorStatus(name, on=source.sensor_running)
              for name, source in wanted.items()}
    with DagsterInstance.get() as instance:
        for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
            if state.instigator_name not in wanted:
                continue
            on = {InstigatorStatus.RUNNING: True, InstigatorStatus.STOPPED: False}.get(
                state.status, wanted[state.instigator_name].sensor_running)
            ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
            tick = ticks[0] if ticks else None
            result[state.instigator_name] = SensorStatus(
                state.instigator_name, on,
                datetime.fromtimestamp(tick.timestamp, timezone.utc) if tick else None,
                tick.status.value.lower() if tick else None,
                _our_message(tick.error) if tick and tick.error else None,
            )
    return result


def _our_message(error: Any) -> str:
    """The sensor's own message: Dagster wraps it in "Error occurred during the execution of
    evaluation_fn for sensor ...", with ours as the cause."""
    messages = []
    while error is not None:
        messages.append(error.message.strip())
        error = error.cause or error.context
    ours = [m for m in messages if "SensorTickError" in m]
    message = (ours or messages or [""])[0]
    return message.split(": ", 1)[1] if message.startswith(("s3_ingest.", "dagster.")) else message


def chunks_status(index: DocumentIndex, source: str) -> str:
    """How many chunks search by meaning reads, and how many documents' chunks are behind
    their text (searched by keyword only until a chunks run)."""
    behind = index.documents_behind(source)  # type: ignore[attr-defined]
    line = f"  chunks: {index.chunk_count(source)}"  # type: ignore[attr-defined]
    if behind:
        line += (f"; {behind} document{'s' if behind != 1 else ''} behind (changed or added "
                 "since the last chunks run: found by keyword only until `s3-ingest sync`)")
    else:
        line += ", in step with every document's text"
    return line


def print_status(sources: Sequence[Source], index: DocumentIndex | None) -> int:
    """Print the status; returns 1 when a sensor's last tick failed, else 0."""
    if index is not None:
        echo_vector_warning(index=index)  # issue 19: PostgreSQL without pgvector, up front
    sensors = sensor_statuses(sources)
    failed = 0
    for source in sources:
        click.echo(f"{source.name}  s3://{source.bucket}/{source.prefix}")
        if index is None:
            click.echo("  index: none yet (run `s3-ingest sync`, or turn the sensors on)")
        else:
            by_status = index.counts_by_status(source.name)
            total = sum(by_status.values())
            words = ", ".join(f"{n} {status.replace('_', '-')}"
                              for status, n in sorted(by_status.items()))
            click.echo(f"  documents: {total}" + (f" ({words})" if words else ""))
            click.echo(chunks_status(index, source.name))
            failures = len(index.failures(source.name))
            if failures:
                click.echo(f"  failed objects: {failures} (`s3-ingest failures --source "
                           f"{source.name}`)")
            for summary in index.partition_summaries(source.name):
                n = summary.by_status
                when = (f"{summary.last_written:%Y-%m-%d %H:%M} UTC" if summary.last_written
                        else "-")
                click.echo(f"    {summary.partition:<24} "
                           f"{plural(sum(n.values()), 'document'):>16}, "
                           f"{n.get('metadata_only', 0)} metadata-only, {n.get('failed', 0)} "
                           f"failed; last written {when}")
        if sensors is None:
            continue
        for name in sensor_names(source):
            status = sensors[name]
            line = f"  {name}: {'on' if status.on else 'off'}"
            if status.last_tick:
                line += f", last tick {status.last_tick:%Y-%m-%d %H:%M:%S} UTC {status.outcome}"
            else:
                line += ", no tick yet"
            click.echo(line)
            if status.outcome == "failure":
                failed += 1
                click.echo(f"    error: {status.error}")
    if sensors is None:
        click.echo("sensors: DAGSTER_HOME is not set; sensor ticks are kept by the Dagster "
                   "instance that runs them (set DAGSTER_HOME to its folder)")
    return 1 if failed else 0
