"""At load, compare each events queue's visibility timeout with how long the events sensor keeps
a message before deleting it, and warn when the queue would hand the message out again first.

A message is deleted on the tick after the one that received it. Tick T starts at t0 and may
receive from t0 until its budget runs out (`sensor_budget_seconds`, plus the last 1 s long
poll). Tick T+1 starts no sooner than one interval after t0 and no sooner than T ended, and the
daemon may start it up to another interval late; it deletes first thing. So a message received
at t0 can wait up to max(interval, budget + poll) + interval, at most 2 x interval + budget +
poll: with the 15 s interval and the 20 s default budget, 51 s - more than SQS's default 30 s.
A shorter timeout makes the queue deliver the message again before its delete (even within the
same tick): duplicate events and runs, and receipt handles that no longer delete anything.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence

from s3_ingest.core.s3.client import make_client
from s3_ingest.core.s3.errors import error_code
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.ingest.event_sensors import EVENTS_SENSOR_INTERVAL_S
from s3_ingest.defs.resources.sqs import sqs_resource_for

LONG_POLL_S = 1  # the events sensor's WaitTimeSeconds per receive


class QueueVisibilityWarning(UserWarning):
    """An events queue whose visibility timeout is too short (or could not be read)."""


def needed_visibility_timeout(source: Source) -> int:
    return math.ceil(2 * EVENTS_SENSOR_INTERVAL_S + source.sensor_budget_seconds + LONG_POLL_S)


def _visibility_timeout(source: Source) -> int:
    resource = sqs_resource_for(source).process_config_and_initialize()
    # One quick attempt: a load must not wait out a broker that does not answer.
    settings = dataclasses.replace(resource.client_settings(), max_attempts=1,
                                   connect_timeout=3.0, read_timeout=5.0)
    answer = make_client(settings, service="sqs").get_queue_attributes(
        QueueUrl=resource.queue_url, AttributeNames=["VisibilityTimeout"])
    return int(answer["Attributes"]["VisibilityTimeout"])


def visibility_problem(source: Source) -> str | None:
    """What is wrong with the source's events queue, or None when its timeout is long enough."""
    assert source.events is not None
    need = needed_visibility_timeout(source)
    where = f"source {source.name!r}: events queue {source.events.queue_url}"
    why = (f"two events-sensor intervals of {EVENTS_SENSOR_INTERVAL_S} s, the sensor budget of "
           f"{source.sensor_budget_seconds:g} s and a {LONG_POLL_S} s long poll")
    try:
        timeout = _visibility_timeout(source)
    except Exception as exc:  # the load goes on; the sensor's own ticks report the queue loudly
        reason = error_code(exc) or type(exc).__name__  # never the request: it may hold secrets
        return (f"{where}: could not read its visibility timeout at load ({reason}); it must be "
                f"at least {need} s ({why})")
    if timeout >= need:
        return None
    return (f"{where}: visibility timeout {timeout} s is shorter than the {need} s a message "
            f"waits before the sensor deletes it ({why}); the queue would deliver messages again "
            f"first, as duplicate events. Set its VisibilityTimeout to at least {need}.")


def warn_short_visibility_timeouts(sources: Sequence[Source]) -> list[str]:
    problems = [p for p in (visibility_problem(s) for s in sources if s.events) if p]
    for problem in problems:
        warnings.warn(problem, QueueVisibilityWarning, stacklevel=2)
    return problems
