"""The one retry loop of the index: a whole read or transaction is run again, with jittered
exponential backoff, when its database reports a conflict that goes away by waiting (SQLite's
lock held past busy_timeout; a PostgreSQL deadlock or serialization failure)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def retrying(
    work: Callable[[], T],
    transient: Callable[[BaseException], bool],
    retries: int,
    backoff_s: float,
) -> T:
    """Run `work`; on an error `transient` accepts, wait and run it again, `retries` times at
    most. Jitter keeps writers that collided from colliding again in lockstep."""
    for attempt in range(retries + 1):
        try:
            return work()
        except Exception as error:
            if attempt >= retries or not transient(error):
                raise
        time.sleep(backoff_s * (2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")
