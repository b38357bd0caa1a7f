"""Run keys for the changes a sensor found.

A change's run key names the object versions it is for (the digest): a repeated tick of the
same state asks for the same key, which Dagster runs once. But Dagster never runs a key again,
even one whose run failed - so a change whose run failed would wait for the daily reconcile.
When every run of a change has failed, the change is asked for again under a new key (`:retry-N`),
at once the first time and then after a growing pause, a few times at most: a failure that
passes (a throttled bucket, a restarted worker) is retried, one that does not (access denied)
does not fail a run every tick.
"""

from __future__ import annotations

import time

from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

CHANGE_TAG = "s3_ingest/change"
MAX_RETRIES = 5
FIRST_PAUSE_S = 60.0
FAILED = {DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def retry_pause_s(failed_runs: int) -> float:
    """Pause after the last failed run before retry N (N = failed runs so far)."""
    return 0.0 if failed_runs <= 1 else FIRST_PAUSE_S * 2 ** (failed_runs - 2)


def run_key_for(instance: DagsterInstance, change: str, now: float | None = None) -> str | None:
    """The run key to request for `change` (its base key), or None: not now."""
    records = instance.get_run_records(RunsFilter(tags={CHANGE_TAG: change}),
                                       limit=MAX_RETRIES + 2)
    if not records or any(r.dagster_run.status not in FAILED for r in records):
        return change  # new, in flight or done: Dagster runs a key once
    failed = len(records)
    if failed > MAX_RETRIES:
        return None  # left to the next change or the daily reconcile
    last = max((r.end_time or r.update_timestamp.timestamp()) for r in records)
    if (now if now is not None else time.time()) - last < retry_pause_s(failed):
        return None
    return f"{change}:retry-{failed}"
