"""A Celery worker fleet on this machine for tests: a Redis database of its own on the local
Redis, and real `dagster-celery worker start` processes listening on it.

Redis runs on 127.0.0.1:6379 on the development and CI machines. Where it cannot be reached the
fleet tests skip with the reason - except under CI ($CI set), where they fail: a CI job must
never go green by skipping them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from s3_ingest_tests.deploy.deployment import BIN


REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# Databases 1-15 of the shared server; db 0 holds only the claims, so that test runs in other
# checkouts at the same time never take (and flush) the same database.
CLAIM_KEY = "s3_ingest_tests:fleet_db:{}"
CLAIM_TTL_S = 900


def _redis_or_skip(db: int = 0):
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.ConnectionError as error:
        reason = f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}: {error}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set: the Celery fleet test must run here)")
        pytest.skip(reason)
    return client


@contextmanager
def redis_database() -> Iterator[str]:
    """redis://127.0.0.1:6379/<n> of a database claimed for this test alone, empty on entry,
    flushed and released on exit."""
    claims = _redis_or_skip()
    token = uuid.uuid4().hex
    for db in range(1, 16):
        if claims.set(CLAIM_KEY.format(db), token, nx=True, ex=CLAIM_TTL_S):
            break
    else:
        pytest.fail("every Redis database 1-15 is claimed by another test run")
    client = _redis_or_skip(db)
    try:
        client.flushdb()
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
    finally:
        client.flushdb()
        client.close()
        if claims.get(CLAIM_KEY.format(db)) == token.encode():
            claims.delete(CLAIM_KEY.format(db))
        claims.close()


class Worker:
    """`dagster-celery worker start` as the README says, in its own session so that it and the
    celery process it execs are stopped together."""

    def __init__(self, config_yaml: Path, env: dict[str, str], log_path: Path) -> None:
        self.name = f"fleet-{uuid.uuid4().hex[:8]}"
        self.log_path = log_path
        with log_path.open("w") as log:
            self.process = subprocess.Popen(
                [str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app",
                 "-y", str(config_yaml), "-n", self.name, "--",
                 # One task at a time, and none reserved ahead (a worker that prefetches holds
                 # a second step while it runs the first, and the other worker idles); no
                 # broadcast chatter with other workers on the server.
                 "--concurrency", "1", "--prefetch-multiplier", "1",
                 "--without-mingle", "--without-gossip"],
                env=env | {"PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"},
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def log(self, tail: int = 80) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-tail:])

    def wait_ready(self, timeout_s: float = 60) -> None:
        """Until celery says the worker is ready to take tasks."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the worker exited ({self.process.returncode}):\n{self.log()}")
            if " ready." in self.log_path.read_text(errors="replace"):
                return
            time.sleep(0.3)
        raise AssertionError(f"the worker was not ready within {timeout_s:.0f} s:\n{self.log()}")

    def stop(self, timeout_s: float = 20) -> None:
        """SIGTERM (celery's warm shutdown) to the worker's whole group, SIGKILL after a bound."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            self.process.poll()  # reap the leader, or the group never empties
            time.sleep(0.2)
        else:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
