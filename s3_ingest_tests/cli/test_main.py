"""The `s3-ingest` command as a user runs it: a real process against a real S3 endpoint."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from s3_ingest_tests.conftest import KEY_ENV, SECRET_ENV, put_objects

CLI = [sys.executable, "-m", "s3_ingest.cli.main"]


def run_cli(*args: str, cwd: Path, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "S3_INGEST_SOURCES")}
    return subprocess.run([*CLI, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def write_sources(path: Path, endpoint: str, bucket: str, **fields) -> Path:
    source = {
        "name": "docs", "bucket": bucket, "endpoint": endpoint, "region": "us-east-1",
        "path_style": True, "max_attempts": 1,
        "credentials": {"access_key_id_env": KEY_ENV, "secret_access_key_env": SECRET_ENV},
        "tag_regex": "^(?P<area>[^/]+)/",
    } | fields
    path.write_text(yaml.safe_dump({"sources": [source]}))
    return path


@pytest.fixture
def seeded(local_s3, s3_client, bucket, tmp_path):
    put_objects(s3_client, bucket, {
        "a/kestrel.md": "# Kestrels\nKestrels hover over the dunes.",
        "a/owl.txt": "Owls hunt at night.",
        "b/harbour.md": "# Harbour\nThe harbour master logs kestrel sightings too.",
        "top.txt": "A loose file at the top.",
    })
    return write_sources(tmp_path / "sources.yaml", local_s3.endpoint_url, bucket)


def test_sync_then_search_as_json(seeded, tmp_path):
    index = str(tmp_path / "idx.db")
    result = run_cli("sync", "--sources", str(seeded), "--index", index, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3 partition run(s), 0 failed" in result.stdout
    for partition in ("(root)", "a/", "b/"):
        assert f"ok    docs {partition}:" in result.stdout

    found = run_cli("search", "kestrel", "--index", index, "--json", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert {h["key"] for h in hits} == {"a/kestrel.md", "b/harbour.md"}
    assert hits[0]["key"] == "a/kestrel.md"  # the title match ranks first
    assert all({"source", "key", "score", "snippet"} <= h.keys() for h in hits)
    assert hits[0]["score"] >= hits[1]["score"]

    tagged = run_cli("search", "kestrel", "--index", index, "--json", "--tag", "area=b",
                     cwd=tmp_path)
    assert [json.loads(line)["key"] for line in tagged.stdout.splitlines()] == ["b/harbour.md"]


def test_sync_one_prefix_only(seeded, tmp_path):
    index = str(tmp_path / "idx.db")
    result = run_cli("sync", "--sources", str(seeded), "--index", index, "--prefix", "a",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok    docs a/:" in result.stdout and "docs b/" not in result.stdout
    found = run_cli("search", "kestrel", "--index", index, "--json", cwd=tmp_path)
    assert [json.loads(line)["key"] for line in found.stdout.splitlines()] == ["a/kestrel.md"]


def test_missing_bucket_exits_1_naming_source_and_bucket(local_s3, tmp_path):
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, "absent-bucket")
    result = run_cli("sync", "--sources", str(sources), "--index", str(tmp_path / "i.db"),
                     cwd=tmp_path)
    assert result.returncode == 1
    assert "source 'docs'" in result.stderr and "absent-bucket" in result.stderr
    assert "not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_endpoint_exits_1_naming_the_endpoint(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    sources = write_sources(tmp_path / "s.yaml", endpoint, "any-bucket")
    result = run_cli("sync", "--sources", str(sources), "--index", str(tmp_path / "i.db"),
                     cwd=tmp_path)
    assert result.returncode == 1
    assert f"could not connect to {endpoint}" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_sources_file_exits_2_with_one_message(tmp_path):
    bad = tmp_path / "s.yaml"
    bad.write_text("sources:\n  - name: docs\n    bucket: b\n    max_file_size: huge\n")
    result = run_cli("sync", "--sources", str(bad), cwd=tmp_path)
    assert result.returncode == 2
    assert "source 'docs'" in result.stderr and "max_file_size" in result.stderr
    assert "Traceback" not in result.stderr


def test_search_without_an_index_exits_2(tmp_path):
    result = run_cli("search", "anything", "--index", str(tmp_path / "none.db"), cwd=tmp_path)
    assert result.returncode == 2 and "no index" in result.stderr


def test_prune_removes_sources_no_longer_configured(seeded, tmp_path, local_s3, bucket):
    index = str(tmp_path / "idx.db")
    assert run_cli("sync", "--sources", str(seeded), "--index", index, cwd=tmp_path).returncode == 0
    renamed = write_sources(tmp_path / "renamed.yaml", local_s3.endpoint_url, bucket,
                            name="renamed")
    dry = run_cli("prune", "--dry-run", "--sources", str(renamed), "--index", index, cwd=tmp_path)
    assert dry.returncode == 0 and "would remove 4 document(s)" in dry.stdout
    done = run_cli("prune", "--sources", str(renamed), "--index", index, cwd=tmp_path)
    assert "removed 4 document(s)" in done.stdout and "source docs" in done.stdout
    found = run_cli("search", "kestrel", "--index", index, "--json", cwd=tmp_path)
    assert found.stdout.strip() == ""


def test_failures_lists_what_could_not_be_fetched(tmp_path):
    from s3_ingest.core.index.sqlite import SqliteIndex

    index = str(tmp_path / "idx.db")
    SqliteIndex(index).record_failures("docs", "a/", [("a/secret.pdf", "access denied (403)")])
    result = run_cli("failures", "--index", index, "--json", cwd=tmp_path)
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["key"] == "a/secret.pdf" and "403" in record["reason"]


def test_a_second_sync_with_nothing_changed_runs_nothing(seeded, tmp_path, s3_client, bucket):
    index = str(tmp_path / "idx.db")
    assert run_cli("sync", "--sources", str(seeded), "--index", index, cwd=tmp_path).returncode == 0
    again = run_cli("sync", "--sources", str(seeded), "--index", index, cwd=tmp_path)
    assert again.returncode == 0
    assert "nothing changed: 4 keys listed, 4 selected, 4 unchanged" in again.stdout
    s3_client.put_object(Bucket=bucket, Key="b/new.md", Body=b"fresh kestrel")
    third = run_cli("sync", "--sources", str(seeded), "--index", index, cwd=tmp_path)
    assert "1 partition run(s), 0 failed" in third.stdout and "ok    docs b/:" in third.stdout
    assert "indexed 1," in third.stdout and "+ added    b/new.md" in third.stdout


def test_demo_ui_shows_every_partition_materialized_in_the_dagster_ui(tmp_path):
    """`s3-ingest demo --ui`, as the README says: the UI's GraphQL lists the demo's runs."""
    import signal
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "S3_INGEST_SOURCES")}
    process = subprocess.Popen([*CLI, "demo", "--ui", "--port", str(port)], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    query = json.dumps({"query": '{ assetOrError(assetKey: {path: ["sample", "documents"]}) '
                                 "{ ... on Asset { assetMaterializations(limit: 50) "
                                 "{ partition metadataEntries { label } } } } }"}).encode()
    partitions: list[str] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query,
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=10) as response:
                    found = json.load(response)["data"]["assetOrError"]["assetMaterializations"]
                partitions = sorted(m["partition"] for m in found)
                labels = {e["label"] for e in found[0]["metadataEntries"]}
                break
            except (OSError, KeyError, TypeError, IndexError):
                time.sleep(1)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as the README says
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
    assert partitions == ["(root)", "archive/", "broken/", "handbook/", "mail/", "media/", "reports/",
                          "scans/", "users/"], output[-3000:]
    assert {"Listed", "Fetched", "Indexed", "Skipped", "Summary", "Duration"} <= labels
    assert "local S3 endpoint stopped" in output
