"""The soak's seeded driver: for a while, at random, it changes the buckets of a live deployment
the way users and systems do - adds, modifies, deletes and re-uploads objects, adds prefixes,
archives and restores, writes keys with spaces, unicode and `%` - and keeps the model of what the
index must end up holding. The one-off disruptions (a backfill from the UI, a CLI sync beside the
daemon, a run worker killed, a restart of `dagster dev`) happen once each, at set points.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from s3_ingest_tests.daemon.ui import launch_backfill
from s3_ingest_tests.soak.deployment import SoakDeployment

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
ODD_FOLDERS = ("with space/", "ünïcødé/", "per%cent/")


@dataclass
class Expected:
    """What the index must hold for one key at the end."""

    text: str | None  # None: metadata only
    reason: str | None = None  # how a metadata-only document's reason starts
    body: bytes = b""

    @property
    def word(self) -> str | None:
        return self.text.split()[0] if self.text else None


def _expected(key: str, text: str) -> Expected:
    """What a readable object of this text must be indexed as: its type is its key's (a
    picture's key with text in it - a modify of a picture - stays a picture)."""
    if key.endswith(".png"):
        return Expected(None, "unsupported type", text.encode())
    return Expected(text, body=text.encode())


@dataclass
class Driver:
    live: SoakDeployment
    seed: int
    restorable: tuple[str, ...]  # the sources whose restores a sensor can see (polled)
    model: dict[str, dict[str, Expected]] = field(default_factory=dict)
    archived: dict[str, dict[str, bytes]] = field(default_factory=dict)
    operations: Counter[str] = field(default_factory=Counter)
    events: list[str] = field(default_factory=list)
    last_change: float = 0.0
    cli: subprocess.Popen | None = None
    _n: int = 0
    _first: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        for name in self.live.buckets:
            self.model.setdefault(name, {})
            self.archived.setdefault(name, {})

    # -- objects ----------------------------------------------------------------------------
    def _text(self) -> str:
        self._n += 1
        return f"soak{self.seed}w{self._n:05d} " + " ".join(
            self.rng.choice(("kestrel", "owl", "harrier", "osprey", "merlin", "hobby"))
            for _ in range(12))

    def _put(self, source: str, key: str, body: bytes, expected: Expected, **extra: Any) -> None:
        self.live.s3.put_object(Bucket=self.live.buckets[source], Key=key, Body=body, **extra)
        self.model[source][key] = expected
        self.archived[source].pop(key, None)
        self.last_change = time.monotonic()

    def put_text(self, source: str, key: str) -> None:
        text = self._text()
        self._put(source, key, text.encode(), _expected(key, text))

    def seed_objects(self, per_source: int) -> None:
        for source in self.model:
            for i in range(per_source):
                self.put_text(source, f"{'ab'[i % 2]}/seed-{i:03d}.md")
            self.put_text(source, "loose.txt")

    def _live_keys(self, source: str) -> list[str]:
        return sorted(self.model[source])

    def step(self) -> None:
        source = self.rng.choice(sorted(self.model))
        keys = self._live_keys(source)
        kinds = ("add", "modify", "delete", "reupload", "new_prefix", "odd_key", "binary",
                 "archive", "restore")
        if not self.operations["archive"]:  # every kind early on; then at random
            op = "archive"
        elif len(self._first) < len(kinds):
            op = kinds[len(self._first)]
            self._first.append(op)
        else:
            op = self.rng.choices(kinds, weights=(5, 5, 3, 2, 1, 2, 1, 1, 2))[0]
        if op in ("modify", "delete", "reupload", "archive") and not keys:
            op = "add"
        if op == "restore" and self.archived[self.restorable[0]]:
            source = self.restorable[0]
        if op in ("restore", "archive") and source not in self.restorable:
            source = self.restorable[0]
            keys = self._live_keys(source)
        if op == "restore" and not self.archived[source]:
            op = "modify" if keys else "add"
        self.operations[op] += 1
        if op == "add":
            self.put_text(source, f"{self.rng.choice('ab')}/add-{self._n:05d}.md")
        elif op == "modify":
            self.put_text(source, self.rng.choice(keys))
        elif op == "delete":
            key = self.rng.choice(keys)
            self.live.delete(source, key)
            del self.model[source][key]
            self.archived[source].pop(key, None)
            self.last_change = time.monotonic()
        elif op == "reupload":  # the very bytes deleted a moment ago, put back
            key = self.rng.choice(keys)
            expected = self.model[source][key]
            self.live.delete(source, key)
            archived = self.archived[source].get(key)
            self._put(source, key, expected.body, expected,
                      **({"StorageClass": "GLACIER"} if archived is not None else {}))
            if archived is not None:
                self.archived[source][key] = archived
        elif op == "new_prefix":
            self.put_text(source, f"p{self._n:05d}/first.md")
        elif op == "odd_key":
            folder = self.rng.choice(ODD_FOLDERS)
            self.put_text(source, f"{folder}a file ü %41 {self._n:05d}.txt")
        elif op == "binary":
            self._put(source, f"b/picture-{self._n:05d}.png", PNG,
                      Expected(None, "unsupported type", PNG))
        elif op == "archive":
            key = self.rng.choice(keys)
            text = self._text()
            self._put(source, key, text.encode(), Expected(None, "archived", text.encode()),
                      StorageClass="GLACIER")
            self.archived[source][key] = text.encode()
        elif op == "restore":
            key = self.rng.choice(sorted(self.archived[source]))
            body = self.archived[source].pop(key)
            self.live.s3.restore_object(Bucket=self.live.buckets[source], Key=key,
                                        RestoreRequest={"Days": 1})
            self.model[source][key] = _expected(key, body.decode())
            self.last_change = time.monotonic()

    # -- one-off disruptions ----------------------------------------------------------------
    def backfill(self, source: str) -> None:
        partitions = self.live.instance.get_dynamic_partitions(f"{source}_prefixes")
        deadline = time.monotonic() + 120
        while True:  # the UI answers a while after the daemon
            try:
                backfill_id = launch_backfill(self.live.port, source, sorted(partitions))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)
        self.events.append(f"backfill {backfill_id} of {source}: {sorted(partitions)}")

    def start_cli_sync(self) -> None:
        """`s3-ingest sync` beside the daemon, on the same SQLite file and instance."""
        self.cli = subprocess.Popen([sys.executable, "-m", "s3_ingest.cli.main", "sync"],
                                    cwd=self.live.root, env=self.live.env(),
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.events.append("cli sync started")

    def finish_cli_sync(self) -> str:
        if self.cli is None:
            return "never started"
        out, _ = self.cli.communicate(timeout=600)
        tail = " | ".join(out.strip().splitlines()[-2:])
        return f"exit {self.cli.returncode}: {tail}"

    def kill_run_worker(self, wait_s: float) -> None:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            killed = self.live.kill_a_run_worker()
            if killed is not None:
                self.events.append(f"SIGKILL {killed}")
                return
            if self.rng.random() < 0.1:
                self.step()  # a change now and then brings a run about
            time.sleep(0.3)
        self.events.append(f"no run worker was running within {wait_s:.0f} s: none killed")

    def restart(self) -> None:
        how = self.live.restart()
        self.events.append(f"dagster dev restarted (its runs {how})")

    def run(self, duration_s: float, pause_s: float) -> None:
        """Change things at random for `duration_s`; the disruptions at set fractions of it."""
        start = time.monotonic()
        plan = [(0.2, lambda: self.backfill(sorted(self.model)[0])),
                (0.35, self.start_cli_sync),
                (0.5, lambda: self.kill_run_worker(wait_s=max(90.0, 0.2 * duration_s))),
                (0.7, self.restart)]
        while (elapsed := time.monotonic() - start) < duration_s:
            while plan and elapsed >= plan[0][0] * duration_s:
                plan.pop(0)[1]()
            self.step()
            time.sleep(self.rng.uniform(0.2, 2) * pause_s)
        for _, action in plan:
            action()
