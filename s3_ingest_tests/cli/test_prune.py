"""`s3-ingest prune` with DAGSTER_HOME: partitions a DAGSTER_HOME-less sync ingested are kept and
registered; one deleted from Dagster whose prefix has no objects is removed, and
`--dry-run` says what would go and deletes nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from dagster import DagsterInstance

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest_tests.cli.test_main import CLI, run_cli, seeded  # noqa: F401 - a fixture


def run_with_home(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "S3_INGEST_SOURCES"}
    env["DAGSTER_HOME"] = str(home)
    return subprocess.run([*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=180)


def registered(home: Path) -> list[str]:
    instance = DagsterInstance.from_config(str(home))
    try:
        return sorted(instance.get_dynamic_partitions("docs_prefixes"))
    finally:
        instance.dispose()


def test_prune_keeps_partitions_with_objects_and_dry_run_says_what_would_go(
    seeded, tmp_path, s3_client, bucket  # noqa: F811
):
    index = str(tmp_path / "idx.db")
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    args = ("--sources", str(seeded), "--index", index)
    assert run_cli("sync", *args, cwd=tmp_path).returncode == 0  # no DAGSTER_HOME
    assert registered(home) == []

    looked = run_with_home("prune", "--dry-run", *args, cwd=tmp_path, home=home)
    assert "would remove 0 document(s)" in looked.stdout and "partition docs b/: 1" in looked.stdout
    assert registered(home) == []  # a dry run changes nothing

    first = run_with_home("prune", *args, cwd=tmp_path, home=home)
    assert first.returncode == 0, first.stderr
    assert "removed 0 document(s)" in first.stdout
    assert "partition docs b/: 1 (s3://" in first.stdout and "still has objects" in first.stdout
    assert registered(home) == ["(root)", "a/", "b/"]
    assert SqliteIndex(index).count("docs") == 4

    # b/ is deleted in the UI and its object is gone (no sync ran since): dry run, then real.
    instance = DagsterInstance.from_config(str(home))
    instance.delete_dynamic_partition("docs_prefixes", "b/")
    instance.dispose()
    s3_client.delete_object(Bucket=bucket, Key="b/harbour.md")
    dry = run_with_home("prune", "--dry-run", *args, cwd=tmp_path, home=home)
    assert dry.returncode == 0, dry.stderr
    assert "would remove 1 document(s)\n  partition docs b/: 1\n" in dry.stdout
    assert SqliteIndex(index).count("docs") == 4
    done = run_with_home("prune", *args, cwd=tmp_path, home=home)
    assert "removed 1 document(s)\n  partition docs b/: 1\n" in done.stdout
    assert sorted(SqliteIndex(index).manifest("docs")) == ["a/kestrel.md", "a/owl.txt", "top.txt"]
