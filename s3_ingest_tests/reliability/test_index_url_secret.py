"""The index URL's password never reaches Dagster: `sync --index postgresql://user:PASSWORD@...`
with DAGSTER_HOME set leaves it in no file under DAGSTER_HOME (SQLite run and event storage
included, their zlib-compressed snapshot blobs opened) and in none of the command's output."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
import zlib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml

from s3_ingest_tests.conftest import KEY_ENV, SECRET_ENV, put_objects
from s3_ingest_tests.postgres import fresh_database

CLI = [sys.executable, "-m", "s3_ingest.cli.main"]


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user = parts.username or "postgres"
    host = parts.hostname or "127.0.0.1"
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}:{parts.port or 5432}"))


def sqlite_cells(path: Path) -> list[bytes]:
    """Every cell of every table, with zlib-compressed blobs (Dagster's snapshots) opened."""
    cells: list[bytes] = []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    data = value if isinstance(value, bytes) else str(value).encode()
                    cells.append(data)
                    try:
                        cells.append(zlib.decompress(data))
                    except zlib.error:
                        pass
    finally:
        conn.close()
    return cells


def files_holding(root: Path, needle: bytes) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        contents = [path.read_bytes()]
        if path.suffix == ".db":
            contents += sqlite_cells(path)
        if any(needle in content.lower() for content in contents):
            found.append(str(path.relative_to(root)))
    return found


def test_the_scan_opens_compressed_snapshot_blobs(tmp_path):
    db = tmp_path / "x.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (b BLOB)")
    conn.execute("INSERT INTO t VALUES (?)", (zlib.compress(b'{"url": "pg://u:SECRETPASS1@h"}'),))
    conn.commit()
    conn.close()
    assert b"secretpass1" not in db.read_bytes().lower()
    assert files_holding(tmp_path, b"secretpass1") == ["x.db"]


def test_sync_with_a_postgres_password_on_the_command_line_leaves_it_nowhere(
    local_s3, s3_client, bucket, tmp_path
):
    put_objects(s3_client, bucket, {"a/kestrel.md": "# Kestrels\nThey hover."})
    sources, home, password, env = _cli_setup(local_s3.endpoint_url, bucket, tmp_path)

    with fresh_database() as url:  # trust auth: any password is accepted
        index_url = with_password(url, password)
        outputs = []
        for extra in ([], ["-v", "--full"]):
            result = subprocess.run(
                [*CLI, "sync", *extra, "--sources", str(sources), "--index", index_url],
                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
            assert result.returncode == 0, result.stderr
            outputs.append(result.stdout + result.stderr)
        assert "indexed 1" in outputs[0]

    needle = password.lower().encode()
    assert list(home.rglob("*.db")), "the runs were not stored under DAGSTER_HOME"
    assert files_holding(home, needle) == []
    assert [o for o in outputs if needle.decode() in o.lower()] == []


def test_chunks_runs_with_a_postgres_password_leave_it_nowhere(
    local_s3, s3_client, bucket, tmp_path
):
    """Issue 19: `sync` now cuts and embeds chunks in the same job run, and `s3-ingest chunks`
    runs that job too - before, its ephemeral `materialize()` run stored the URL, password
    and all, in the job snapshot's `default_value_as_json_str`."""
    from dagster import DagsterInstance

    put_objects(s3_client, bucket, {"a/kestrel.md": "# Kestrels\nThey hover over the dunes."})
    sources, home, password, env = _cli_setup(local_s3.endpoint_url, bucket, tmp_path)

    with fresh_database() as url:  # trust auth: any password is accepted
        index_url = with_password(url, password)
        outputs = []
        for command in (["sync"], ["chunks", "-v", "--full"]):
            result = subprocess.run(
                [*CLI, *command, "--sources", str(sources), "--index", index_url],
                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
            assert result.returncode == 0, result.stderr
            outputs.append(result.stdout + result.stderr)
        assert "chunks written 1" in outputs[0] and "chunks written 1" in outputs[1]

    with DagsterInstance.from_config(str(home)) as instance:
        jobs = [run.job_name for run in instance.get_runs()]
    assert jobs == ["docs_sync", "docs_sync"]  # no __ephemeral_asset_job__
    needle = password.lower().encode()
    assert files_holding(home, needle) == []
    assert [o for o in outputs if needle.decode() in o.lower()] == []


def _cli_setup(endpoint: str, bucket: str, tmp_path: Path) -> tuple[Path, Path, str, dict]:
    """A sources file, a DAGSTER_HOME, a fresh password and the CLI's environment."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [{
        "name": "docs", "bucket": bucket, "endpoint": endpoint,
        "region": "us-east-1", "path_style": True, "max_attempts": 1,
        "credentials": {"access_key_id_env": KEY_ENV, "secret_access_key_env": SECRET_ENV},
    }]}))
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("S3_INGEST_SOURCES", "S3_INGEST_INDEX_URL")}
    env["DAGSTER_HOME"] = str(home)
    return sources, home, f"SECRETPASS{uuid.uuid4().hex[:8]}", env
