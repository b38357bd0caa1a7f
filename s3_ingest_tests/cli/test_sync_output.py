"""What `s3-ingest sync` prints: a JSON summary for machines, a progress line that updates in
place on a terminal, plain lines when piped."""

from __future__ import annotations

import json
import os
import pty
import subprocess

from s3_ingest_tests.cli.test_main import CLI, run_cli, write_sources
from s3_ingest_tests.conftest import put_objects


def test_sync_json_is_one_machine_readable_summary(local_s3, s3_client, bucket, tmp_path):
    put_objects(s3_client, bucket, {"a/1.md": "one", "b/2.md": "two", "a/big.md": "x" * 3000})
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket,
                            max_file_size="2KB")
    result = run_cli("sync", "--json", "--sources", str(sources), "--index",
                     str(tmp_path / "i.db"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert summary["ok"] is True and summary["runs"] == 2 and summary["failed"] == 0
    assert summary["totals"]["indexed"] == 2
    docs = summary["sources"]["docs"]
    assert docs["scan"] == {"listed": 3, "skipped": {"too_large": 1}, "partitions_changed": 2}
    runs = {r["partition"]: r for r in docs["runs"]}
    assert runs["a/"]["counts"]["skipped_too_large"] == 1 and runs["a/"]["ok"]


def test_progress_updates_one_line_on_a_terminal_and_prints_lines_when_piped(
    local_s3, s3_client, bucket, tmp_path
):
    put_objects(s3_client, bucket, {"a/1.md": "one"})
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket)
    args = [*CLI, "sync", "--sources", str(sources), "--index", str(tmp_path / "i.db")]
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "S3_INGEST_SOURCES")}
    leader, follower = pty.openpty()
    process = subprocess.Popen(args, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=180)
    os.close(leader)
    assert process.returncode == 0
    assert b"\r\x1b[K  \xe2\x80\xa6 docs a/: listed 1" in seen  # in place, on the terminal
    piped = run_cli("sync", "--full", "--sources", str(sources), "--index",
                    str(tmp_path / "i.db"), cwd=tmp_path)
    assert "\r" not in piped.stderr and "  … docs a/: listed 1" in piped.stderr
