"""A change whose runs failed is asked for again under new keys - paused, and not for ever."""

from __future__ import annotations

import time

from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.test_utils import create_run_for_test

from s3_ingest.defs.ingest.run_keys import CHANGE_TAG, MAX_RETRIES, retry_pause_s, run_key_for


def fail(instance: DagsterInstance, change: str, status=DagsterRunStatus.FAILURE) -> None:
    create_run_for_test(instance, job_name="__ASSET_JOB", status=status,
                        tags={CHANGE_TAG: change})


def test_keys_for_a_change_as_its_runs_fail():
    instance = DagsterInstance.ephemeral()
    change = "docs:a/:0123456789abcdef"
    assert run_key_for(instance, change) == change  # never ran
    fail(instance, change)
    assert run_key_for(instance, change) == f"{change}:retry-1"  # at once, the first time
    fail(instance, change)
    now = time.time()
    assert run_key_for(instance, change, now=now) is None  # paused
    later = now + retry_pause_s(2) + 1
    assert run_key_for(instance, change, now=later) == f"{change}:retry-2"
    for _ in range(MAX_RETRIES - 1):
        fail(instance, change)
    assert run_key_for(instance, change, now=now + 10**6) is None  # given up: the reconcile's


def test_a_change_with_a_run_in_flight_or_done_keeps_its_key():
    instance = DagsterInstance.ephemeral()
    change = "docs:a/:fedcba9876543210"
    fail(instance, change)
    fail(instance, change, status=DagsterRunStatus.STARTED)
    assert run_key_for(instance, change) == change
