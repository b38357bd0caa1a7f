"""Crashes and concurrent writers: a kill -9 mid-run and two runs on one index lose nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest_tests.conftest import KEY_ENV, SECRET_ENV
from s3_ingest_tests.local_s3_proxy import ProxySettings, S3Proxy

OBJECTS = 600


def seed(s3_client, bucket: str, prefixes: tuple[str, ...] = ("c/",)) -> None:
    keys = [f"{p}doc-{i:04d}.txt" for p in prefixes for i in range(OBJECTS // len(prefixes))]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3_client.put_object(Bucket=bucket, Key=k, Body=f"text of {k}"),
                      keys))


def sources_file(path: Path, endpoint: str, bucket: str) -> Path:
    path.write_text(yaml.safe_dump({"sources": [{
        "name": "docs", "bucket": bucket, "endpoint": endpoint, "region": "us-east-1",
        "path_style": True, "fetch_concurrency": 4, "max_attempts": 3,
        "credentials": {"access_key_id_env": KEY_ENV, "secret_access_key_env": SECRET_ENV},
    }]}))
    return path


def sync(sources: Path, index: Path, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    return subprocess.Popen(
        [sys.executable, "-m", "s3_ingest.cli.main", "sync", "--sources", str(sources),
         "--index", str(index), *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def count(index: Path) -> int:
    if not index.exists():
        return 0
    try:
        with sqlite3.connect(index, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0


def assert_each_object_indexed_once_and_whole(index: Path, expected: int) -> None:
    db = SqliteIndex(str(index))
    manifest = db.manifest("docs")
    assert len(manifest) == expected == db.count("docs")
    for key in list(manifest)[:: max(1, expected // 50)]:
        doc = db.get("docs", key)
        assert doc.status == "indexed" and doc.text == f"text of {key}"
    with sqlite3.connect(index) as conn:
        conn.execute("INSERT INTO documents_fts(documents_fts) VALUES ('integrity-check')")
    assert [h.key for h in db.search('"doc-0007.txt"')][:1] == ["c/doc-0007.txt"]


def test_kill_9_mid_run_then_rerun_indexes_everything_once(local_s3, s3_client, bucket, tmp_path):
    seed(s3_client, bucket)
    index = tmp_path / "index.db"
    with S3Proxy(local_s3.endpoint_url, ProxySettings(latency_s=0.03)) as proxy:
        sources = sources_file(tmp_path / "s.yaml", proxy.url, bucket)
        victim = sync(sources, index)
        deadline = time.monotonic() + 120
        while count(index) == 0 and victim.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)
        assert victim.returncode == -signal.SIGKILL, victim.stderr.read()
        at_kill = count(index)
        assert 0 < at_kill < OBJECTS  # the run really died half-way, with whole batches kept

        proxy.stats.requests.clear()
        survivor = sync(sources, index)
        out, err = survivor.communicate(timeout=300)
        assert survivor.returncode == 0, err
    # The rerun fetched only what the killed run had not committed.
    assert proxy.stats.requests["get"] == OBJECTS - at_kill
    assert_each_object_indexed_once_and_whole(index, OBJECTS)


def test_two_runs_writing_one_index_at_once_lose_nothing(local_s3, s3_client, bucket, tmp_path):
    seed(s3_client, bucket, prefixes=("a/", "b/"))
    index = tmp_path / "index.db"
    sources = sources_file(tmp_path / "s.yaml", local_s3.endpoint_url, bucket)
    runs = [sync(sources, index, "--prefix", prefix) for prefix in ("a/", "b/")]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    db = SqliteIndex(str(index))
    assert db.partitions("docs") == {"a/": OBJECTS // 2, "b/": OBJECTS // 2}
    assert db.count("docs") == OBJECTS
