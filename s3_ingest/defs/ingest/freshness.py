"""The documents asset's freshness policy, so the UI marks a source nobody syncs any more as
stale.

A documents partition materializes when its sensor (every sync_interval) finds a change, and on
every reconcile (reconcile_cron, daily by default) whether or not anything changed. A source in
step therefore materializes at least once per reconcile period: it warns one sensor interval
past that, and fails three intervals past it (a missed reconcile plus a sensor that is off).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from dagster import FreshnessPolicy
from dagster._utils.schedules import cron_string_iterator

from s3_ingest.core.sources.model import Source


def reconcile_period(source: Source) -> timedelta:
    """The longest gap between two reconcile ticks over the coming week or so."""
    start = datetime(2026, 1, 5, tzinfo=timezone.utc).timestamp()  # fixed: the same every load
    ticks = cron_string_iterator(start, source.reconcile_cron, "UTC")
    times = [next(ticks).timestamp() for _ in range(9)]
    return timedelta(seconds=max(b - a for a, b in zip(times, times[1:])))


def documents_freshness(source: Source) -> FreshnessPolicy:
    period = reconcile_period(source)
    interval = timedelta(seconds=source.sync_interval)
    return FreshnessPolicy.time_window(
        fail_window=period + 3 * interval, warn_window=period + interval
    )
