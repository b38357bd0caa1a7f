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
    assert piped.returncode == 0 and "\r" not in piped.stderr
    assert "ok    docs a/:" in piped.stdout


def test_piped_progress_waits_until_a_partition_has_run_a_while():
    # A quick partition's result line says it all; a long one's progress shows in the log.
    import logging

    from s3_ingest.cli.progress import LongRunsOnly

    now = [0.0]
    only_long = LongRunsOnly(after_s=3.0, clock=lambda: now[0])
    record = logging.LogRecord("p", logging.INFO, __file__, 1, "docs a/: listed 1", None, None)
    passed = []
    for t in (0.0, 2.0, 3.5, 5.5):
        now[0] = t
        passed.append(only_long.filter(record))
    assert passed == [False, False, True, True]
    only_long.reset()  # the next partition starts anew
    now[0] = 6.0
    assert only_long.filter(record) is False


def test_failed_keys_are_listed_with_their_reason_and_the_rest_counted(capsys):
    from s3_ingest.cli.runner import PartitionRun
    from s3_ingest.cli.sync_command import print_partition
    from s3_ingest.cli.sync_report import KeyLines

    changed = {"added": ["a/new.md"], "modified": [], "deleted": ["a/gone.md"],
               "failed": [{"key": "a/secret.pdf", "reason": "access denied (403)"}],
               "total": {"added": 1, "modified": 0, "deleted": 1, "failed": 1}}
    run = PartitionRun("docs", "a/", False, {"listed": 3, "selected": 3, "indexed": 1,
                                             "failed": 1, "deleted": 1, "changed": changed},
                       error="1 of 2 objects failed (50%, more than 10%)")
    keys = KeyLines(limit=2)
    print_partition(run, keys)
    out, err = capsys.readouterr()
    assert "FAIL  docs a/: 1 of 2 objects failed" in err
    assert "listed 3, skipped 0, selected 3: unchanged 0, indexed 1, metadata-only 0, failed 1" \
        in err
    assert out.splitlines() == ["      + added    a/new.md", "      - deleted  a/gone.md"]
    assert keys.rest().startswith("      … and 1 more changed key(s)")
    assert KeyLines(limit=5).lines(run) == [
        "      + added    a/new.md", "      - deleted  a/gone.md",
        "      ! failed   a/secret.pdf: access denied (403)"]
