"""A live deployment on this machine, as a user runs one: moto's S3 and SQS over HTTP, and
`dagster dev -w workspace.yaml` with the project's dagster.yaml on a temporary DAGSTER_HOME, its
sensors on. Nothing is synced by hand: whatever reaches the index got there through the
daemon's sensor ticks and the runs they requested.

Used by the end-to-end daemon test and by bench/ (time from a change to a searchable document).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import yaml

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET, LocalS3

REPO = Path(__file__).resolve().parents[2]
KEY_ENV, SECRET_ENV = "S3_INGEST_LIVE_KEY_ID", "S3_INGEST_LIVE_SECRET"
IN_FLIGHT = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveDeployment:
    """`with LiveDeployment(tmp, sources) as live:` - `sources` maps a source name to its extra
    fields; `events: True` gives it a queue that its bucket notifies of every change."""

    def __init__(self, root: Path, sources: dict[str, dict[str, Any]]) -> None:
        self.root, self.wanted = root, sources
        self.home = root / "dagster_home"
        self.index_path = root / "index.db"
        self.log_path = self.home / "dagster_dev.log"
        self.s3: Any = None
        self.buckets: dict[str, str] = {}
        # Moto keeps one in-memory S3 and SQS per process, whichever server fronts them: names
        # of this deployment's own, so no earlier test's objects or messages are in its way.
        self.token = uuid.uuid4().hex[:8]
        self.process: subprocess.Popen | None = None
        self._instance: Any = None

    # -- set-up -----------------------------------------------------------------------------
    def __enter__(self) -> LiveDeployment:
        self.server = LocalS3().start()
        self.s3 = self.server.client()
        self.sqs = boto3.client("sqs", endpoint_url=self.server.endpoint_url,
                                region_name="us-east-1", aws_access_key_id=DEMO_KEY_ID,
                                aws_secret_access_key=DEMO_SECRET)
        entries = [self._source(name, fields) for name, fields in self.wanted.items()]
        self.home.mkdir(parents=True)
        (self.root / "sources.yaml").write_text(yaml.safe_dump({"sources": entries}))
        (self.home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
        (self.home / "workspace.yaml").write_text(
            (REPO / "workspace.yaml").read_text()
            .replace("working_directory: .", f"working_directory: {REPO}"))
        return self

    def _source(self, name: str, fields: dict[str, Any]) -> dict[str, Any]:
        fields = dict(fields)
        bucket = fields.pop("bucket", f"live-{name}-{self.token}")
        entry = {"name": name, "bucket": bucket, "endpoint": self.server.endpoint_url,
                 "region": "us-east-1", "path_style": True, "sensor_running": True,
                 "credentials": {"access_key_id_env": KEY_ENV, "secret_access_key_env": SECRET_ENV}}
        if fields.pop("events", False):
            # Above the 51 s a message may wait for its delete (the load warns below that).
            queue_url = self.sqs.create_queue(QueueName=f"{name}-events-{self.token}",
                                              Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
            entry["events"] = {"queue_url": queue_url, "endpoint": self.server.endpoint_url,
                               "region": "us-east-1"}
        if fields.pop("create_bucket", True):
            self.s3.create_bucket(Bucket=bucket)
            if "events" in entry:
                arn = self.sqs.get_queue_attributes(
                    QueueUrl=entry["events"]["queue_url"], AttributeNames=["QueueArn"]
                )["Attributes"]["QueueArn"]
                self.s3.put_bucket_notification_configuration(
                    Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [{
                        "QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                    }]})
        self.buckets[name] = bucket
        return entry | fields

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("S3_INGEST_", "AWS_", "DAGSTER_"))}
        return env | {
            "DAGSTER_HOME": str(self.home),
            "S3_INGEST_SOURCES": str(self.root / "sources.yaml"),
            "S3_INGEST_INDEX_URL": str(self.index_path),
            KEY_ENV: DEMO_KEY_ID, SECRET_ENV: DEMO_SECRET,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(self.root / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.root / "no-aws-credentials"),
        }

    def start(self) -> None:
        """`dagster dev -w workspace.yaml` from DAGSTER_HOME, as the README says."""
        self.port = free_port()
        # The storage exists before `dagster dev` starts: its webserver and daemon creating a
        # fresh SQLite storage at once can race ("table alembic_version already exists").
        self.instance.get_runs(limit=1)
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml",
             "-h", "127.0.0.1", "-p", str(self.port)],
            cwd=self.home, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    # -- the bucket -------------------------------------------------------------------------
    def put(self, source: str, objects: dict[str, str]) -> None:
        for key, text in objects.items():
            self.s3.put_object(Bucket=self.buckets[source], Key=key, Body=text.encode())

    def delete(self, source: str, *keys: str) -> None:
        for key in keys:
            self.s3.delete_object(Bucket=self.buckets[source], Key=key)

    # -- what the deployment did ------------------------------------------------------------
    def chunk_keys(self, source: str) -> set[str]:
        """Keys of the source's documents that have chunks in the index."""
        if not self.index_path.exists():
            return set()
        index = SqliteIndex(str(self.index_path))
        try:
            return {key for partition in index.partitions(source)
                    for key in index.chunk_states(source, partition)}
        finally:
            index.close()

    def documents(self, source: str) -> dict[str, str]:
        """key -> text of the source's documents in the index ({} before the first run)."""
        if not self.index_path.exists():
            return {}
        index = SqliteIndex(str(self.index_path))
        try:
            return {key: index.get(source, key).text for key in index.manifest(source)}
        finally:
            index.close()

    @property
    def instance(self) -> Any:
        if self._instance is None:
            from dagster import DagsterInstance
            from dagster._core.instance.ref import InstanceRef

            self._instance = DagsterInstance.from_ref(InstanceRef.from_dir(str(self.home)))
        return self._instance

    def runs(self, source: str) -> list[Any]:
        from dagster import RunsFilter

        return list(self.instance.get_runs(RunsFilter(tags={"s3_ingest/source": source})))

    def in_flight(self) -> int:
        return sum(1 for name in self.wanted for run in self.runs(name)
                   if run.status.value in IN_FLIGHT)

    def log(self, tail: int = 60) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-tail:])

    def wait_until(self, done: Callable[[], bool], timeout_s: float, what: str) -> float:
        """Seconds it took for `done()` to hold; fails with the daemon's log after timeout_s."""
        start = time.monotonic()
        while time.monotonic() - start < timeout_s:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"dagster dev exited while waiting for {what}:\n{self.log()}")
            if done():
                return time.monotonic() - start
            time.sleep(0.5)
        raise AssertionError(f"not within {timeout_s:.0f} s: {what}\n{self.log()}")

    # -- tear-down --------------------------------------------------------------------------
    def stop(self) -> None:
        """Ctrl-C, as a user stops `dagster dev`; then check that its whole group is gone."""
        if self._instance is not None:
            self._instance.dispose()
            self._instance = None
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is None:
            os.kill(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.5)
        os.killpg(process.pid, signal.SIGKILL)
        raise AssertionError("processes of dagster dev were still running 30 s after it stopped")

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop()
        finally:
            self.server.stop()
