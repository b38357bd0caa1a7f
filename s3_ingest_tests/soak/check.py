"""The soak's end: wait until the sensors go quiet, then the exact check - every object's latest
text found once under its key, nothing for a deleted key, no duplicate, metadata-only objects
with their reason, chunks that agree with their documents, a drift check with nothing to report
- and the report: operations, faults, runs, seconds from the last change to in step, and every
run that failed for good, with why."""

from __future__ import annotations

import os
import time
from collections import Counter
from typing import Any

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.s3.listing import list_partitions
from s3_ingest.core.sources.loader import load_sources
from s3_ingest.core.sync.reconcile import partition_drift
from s3_ingest_tests.daemon.live import IN_FLIGHT
from s3_ingest_tests.soak.driver import Driver


def differences(driver: Driver) -> list[str]:
    """Everything in which the index differs from the model (empty: exactly in step)."""
    live, problems = driver.live, []
    if not live.index_path.exists():
        return ["no index yet"]
    index = SqliteIndex(str(live.index_path))
    try:
        for source, expected in driver.model.items():
            held = index.manifest(source)
            problems += [f"{source}: missing {k!r}" for k in sorted(set(expected) - set(held))]
            problems += [f"{source}: deleted but held {k!r}"
                         for k in sorted(set(held) - set(expected))]
            for key in sorted(set(expected) & set(held)):
                problems += _document(index, source, key, expected[key])
            problems += _chunks(index, source)
    finally:
        index.close()
    return problems


def _document(index: SqliteIndex, source: str, key: str, want: Any) -> list[str]:
    doc = index.get(source, key)
    if want.text is None:
        if doc.status != "metadata_only" or not (doc.reason or "").startswith(want.reason):
            return [f"{source}: {key!r} is {doc.status} ({doc.reason}), not {want.reason}"]
        return []
    if doc.status != "indexed" or doc.text != want.text:
        return [f"{source}: {key!r} holds {doc.status} {str(doc.text)[:30]!r}, not the latest"]
    hits = [hit.key for hit in index.search(want.word, limit=10)]
    if hits != [key]:  # found once, under its key: no duplicate, no older copy
        return [f"{source}: {want.word} found as {hits}, not once as {key!r}"]
    return []


def _chunks(index: SqliteIndex, source: str) -> list[str]:
    """Chunks agree with their documents: every document with text has chunks, each cut from
    its current text; none for a document without text or gone; and the index's own markers
    say nothing is behind (a documents write marks what its chunks run must redo)."""
    problems = [f"{source}: chunks behind in {partition!r} ({n} document(s))"
                for partition, n in sorted(index.partitions_behind(source).items())]
    for partition in index.partitions(source):
        texts = {key: " ".join(text.split())
                 for key, _, _, text in index.document_texts(source, partition)
                 if text and text.strip()}
        cut: dict[str, list[str]] = {}
        for key, _, _, _, text, *_ in index.partition_chunks(source, partition):
            cut.setdefault(key, []).append(" ".join((text or "").split()))
        for key in sorted(set(texts) | set(cut)):
            if key not in texts:
                problems.append(f"{source}: chunks of {key!r}, which has no text")
            elif key not in cut:
                problems.append(f"{source}: {key!r} has no chunks")
            elif not all(piece and piece in texts[key] for piece in cut[key]) or \
                    texts[key].split()[0] not in " ".join(cut[key]):
                problems.append(f"{source}: chunks of {key!r} are not cut from its text")
    return problems


def drift(driver: Driver) -> list[str]:
    """The drift check, partition by partition, read straight from S3 (no faults)."""
    live = driver.live
    sources = {s.name: s for s in load_sources(live.root / "sources.yaml")}
    index = SqliteIndex(str(live.index_path))
    try:
        found = []
        for name in driver.model:
            source = sources[name]
            partitions = set(list_partitions(live.s3, source.bucket, source.prefix))
            for partition in sorted(partitions | set(index.partitions(name))):
                result = partition_drift(live.s3, source, partition, index)
                if not result.in_step:
                    found.append(f"{name} {partition}: missing {result.missing[:3]}, orphaned "
                                 f"{result.orphaned[:3]}, stale {result.stale[:3]}")
        return found
    finally:
        index.close()


def wait_in_step(driver: Driver, timeout_s: float) -> tuple[float, list[str]]:
    """Seconds from the last change until the index is exactly in step with no run in flight;
    and, if that never happened within timeout_s, what still differed."""
    deadline, problems = time.monotonic() + timeout_s, ["not checked"]
    while time.monotonic() < deadline:
        if driver.live.process is not None and driver.live.process.poll() is not None:
            return -1.0, [f"dagster dev exited:\n{driver.live.log()}"]
        problems = differences(driver)
        if not problems and not in_flight(driver):
            return time.monotonic() - driver.last_change, []
        time.sleep(2)
    return -1.0, problems


def in_flight(driver: Driver) -> list[str]:
    """Every run not finished yet - documents, chunks and backfill runs alike (a backfill's and
    the chunks runs carry no source tag)."""
    return [f"{run.job_name} {run.tags.get('dagster/partition')} {run.status.value} "
            f"{run.run_id[:8]}" for run in driver.live.instance.get_runs()
            if run.status.value in IN_FLIGHT]


def _trigger(run: Any) -> str:
    """What launched a run: a sensor (poll, events), a backfill, or else (the CLI's runs, the
    chunks automation)."""
    if "dagster/backfill" in run.tags:
        return "backfill"
    return run.tags.get("s3_ingest/trigger") or run.tags.get("dagster/sensor_name") or "other"


def report(driver: Driver, seconds: float, cli: str) -> dict[str, Any]:
    instance = driver.live.instance
    runs = instance.get_runs()
    statuses = Counter(run.status.value for run in runs)
    retried = sum(1 for run in runs if ":retry-" in run.tags.get("dagster/run_key", "")
                  or "dagster/parent_run_id" in run.tags)
    latest: dict[tuple[str, str | None], Any] = {}
    for run in sorted(runs, key=lambda r: instance.get_run_record_by_id(r.run_id).create_timestamp):
        latest[(run.job_name, run.tags.get("dagster/partition"))] = run
    for_good = []
    for (job, partition), run in sorted(latest.items(), key=lambda item: str(item[0])):
        if run.status.value == "FAILURE":
            why = [e.message for e in instance.all_logs(run.run_id)
                   if e.dagster_event and e.dagster_event.event_type_value
                   in ("STEP_FAILURE", "RUN_FAILURE")]
            for_good.append(f"{job} {partition}: {' / '.join(m[:200] for m in why[-2:])}")
    return {
        # How each run whose worker was SIGKILLed ended, and the runs Dagster retried it with.
        "killed_runs": [{"status": instance.get_run_by_id(run_id).status.value,
                         "retried_by": [r.run_id[:8] for r in runs
                                        if r.tags.get("dagster/parent_run_id") == run_id]}
                        for run_id in driver.live.killed_runs],
        "operations": dict(driver.operations), "operations_total": sum(driver.operations.values()),
        "objects_at_end": {s: len(m) for s, m in driver.model.items()},
        "faults_injected": dict(driver.live.proxy.stats.faults),
        "s3_requests": dict(driver.live.proxy.stats.requests),
        "runs": dict(statuses), "runs_retried": retried,
        "runs_by_trigger": dict(Counter(_trigger(run) for run in runs)),
        "seconds_last_change_to_in_step": round(seconds, 1),
        "failed_for_good": for_good, "in_flight_at_end": in_flight(driver),
        "disruptions": driver.events, "cli_sync": cli,
        "machine_load_1_5_15_min": [round(x, 1) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
