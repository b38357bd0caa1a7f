"""`s3-ingest sync` as a user runs it (a real process, moto's server over HTTP, a counting proxy
in between): exact whatever the bucket holds, with the same true counts in every mode."""

from __future__ import annotations

import gzip
from pathlib import Path

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.sync.ingest import IngestOptions, ingest_partition
from s3_ingest.defs.resources.s3 import S3SourceResource
from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET
from s3_ingest_tests.cli.test_main import run_cli, write_sources
from s3_ingest_tests.conftest import make_source, put_objects
from s3_ingest_tests.local_s3_proxy import ProxySettings, S3Proxy


def awkward_bucket(client, bucket: str) -> None:
    put_objects(client, bucket, {
        "a/notes.md": "# Notes\nplain words", "a/2.txt": "two", "b/3.txt": "three",
        "a/folder/": "", "b/image.bin": "\x00\x01binary",
    })
    client.put_object(Bucket=bucket, Key="a/big.txt", Body=b"x" * 3000)
    client.put_object(Bucket=bucket, Key="c/cold.txt", Body=b"cold", StorageClass="GLACIER")
    client.put_object(Bucket=bucket, Key="c/colder.txt", Body=b"colder",
                      StorageClass="DEEP_ARCHIVE")


def sync(tmp_path: Path, sources: Path, *args: str):
    return run_cli("sync", "--sources", str(sources), "--index", str(tmp_path / "i.db"), *args,
                   cwd=tmp_path)


def test_a_sync_with_nothing_changed_makes_no_get_no_head_and_no_run(local_s3, s3_client,
                                                                     bucket, tmp_path):
    awkward_bucket(s3_client, bucket)
    with S3Proxy(local_s3.endpoint_url) as proxy:
        sources = write_sources(tmp_path / "s.yaml", proxy.url, bucket, max_file_size="2KB")
        first = sync(tmp_path, sources)
        assert first.returncode == 0, first.stderr
        assert proxy.stats.requests["get"] > 0
        proxy.stats.requests.clear()
        again = sync(tmp_path, sources)
    assert again.returncode == 0, again.stderr
    assert proxy.stats.requests["get"] == proxy.stats.requests["head"] == 0
    assert "nothing changed" in again.stdout and "ok " not in again.stdout
    assert "nothing changed: 8 keys listed," in again.stdout
    # The skips are reported even so: the too-large object and the folder marker.
    scan = next(line for line in again.stdout.splitlines() if line.startswith("scan"))
    assert "8 keys listed" in scan and "too large 1" in scan and "folder marker 1" in scan
    # Archived objects are documents from the listing's facts, never fetched.
    cold = SqliteIndex(str(tmp_path / "i.db")).get("docs", "c/cold.txt")
    assert cold.status == "metadata_only" and cold.storage_class == "GLACIER"
    assert "archived" in cold.reason and cold.size == 4


def test_partition_lines_say_what_the_scan_listed_and_skipped(local_s3, s3_client, bucket,
                                                              tmp_path):
    awkward_bucket(s3_client, bucket)
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket,
                            max_file_size="2KB")
    assert sync(tmp_path, sources).returncode == 0
    put_objects(s3_client, bucket, {"a/2.txt": "two, edited"})
    result = sync(tmp_path, sources)
    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("ok ")]
    # a/ holds 4 keys: the edited one, an unchanged one, a too-large one and a folder marker.
    # The run reports what the scan listed of its partition, not "listed 0".
    # The documents' counts end with the run's mode; the chunks it cut follow on the same line.
    assert "(changes); chunks written " in line and "listed 4" in line and "unchanged 1" in line
    assert "selected 2" in line
    assert "indexed 1" in line and "too large 1" in line and "folder marker 1" in line
    summary = result.stdout.strip().splitlines()[-1]
    # The totals count the unchanged partitions' keys too, as the scan listed them.
    assert summary.startswith("1 partition run(s), 0 failed: listed 8,")


def test_document_limit_is_one_rule_in_every_mode(local_s3, s3_client, bucket, tmp_path):
    put_objects(s3_client, bucket, {"a/1.md": "1", "a/2.md": "2", "b/1.md": "3", "b/2.md": "4",
                                    "b/3.md": "5"})
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket,
                            document_limit=3)

    def indexed() -> set[str]:
        return set(SqliteIndex(str(tmp_path / "i.db")).manifest("docs"))

    assert sync(tmp_path, sources).returncode == 0
    assert indexed() == {"a/1.md", "a/2.md", "b/1.md"}  # the first three in key order
    put_objects(s3_client, bucket, {"a/0.md": "0"})  # now b/1.md is fourth
    assert sync(tmp_path, sources).returncode == 0  # the scan's changes
    assert indexed() == {"a/0.md", "a/1.md", "a/2.md"}
    for args in (("--prefix", "b/"), ("--prefix", "a/"), ("--full",), ()):
        result = sync(tmp_path, sources, *args)  # listing runs, a full run, a scan
        assert result.returncode == 0, result.stderr
        assert indexed() == {"a/0.md", "a/1.md", "a/2.md"}, args
    assert "nothing changed" in result.stdout


def test_gzip_content_encoding_is_decoded_and_a_gzip_bomb_refused(local_s3, s3_client, bucket,
                                                                  tmp_path):
    s3_client.put_object(Bucket=bucket, Key="z/log.txt", ContentEncoding="gzip",
                         Body=gzip.compress("osprey nesting season report".encode()))
    s3_client.put_object(Bucket=bucket, Key="z/bomb.txt", ContentEncoding="gzip",
                         Body=gzip.compress(b"A" * 20_000_000))
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket,
                            max_file_size="1MB")
    assert sync(tmp_path, sources).returncode == 0
    index = SqliteIndex(str(tmp_path / "i.db"))
    assert index.get("docs", "z/log.txt").text == "osprey nesting season report"
    bomb = index.get("docs", "z/bomb.txt")
    assert bomb.status == "metadata_only" and "inflates past max_file_size" in bomb.reason


def test_a_body_cut_short_or_corrupted_is_retried_and_never_indexed(local_s3, s3_client,
                                                                     bucket, tmp_path):
    put_objects(s3_client, bucket, {"t/whole.txt": "y" * 1000})
    source = make_source(local_s3.endpoint_url, bucket)
    index = SqliteIndex(str(tmp_path / "i.db"))
    options = IngestOptions(attempts=3, backoff_s=0.01)
    reasons = {"truncate": "body ended early (500 of 1000 bytes)",
               "truncate_reset": "after retries", "corrupt": "does not match its ETag"}
    for kind, reason in reasons.items():
        settings = ProxySettings(fault_share=1.0, fault_kinds=(kind,))
        with S3Proxy(local_s3.endpoint_url, settings) as proxy:
            client = S3SourceResource(endpoint_url=proxy.url, region_name="us-east-1",
                                      path_style=True, max_attempts=1,
                                      aws_access_key_id=DEMO_KEY_ID,
                                      aws_secret_access_key=DEMO_SECRET).get_client()
            report = ingest_partition(client, source, "t/", index, options)
        assert proxy.stats.faults[kind] == 3, kind  # tried again within the run
        assert index.get("docs", "t/whole.txt") is None, kind
        assert report.transient == {"t/whole.txt"} and report.failed_share == 0, kind
        assert reason in report.failed[0][1], (kind, report.failed)
    report = ingest_partition(s3_client, source, "t/", index, options)
    assert index.get("docs", "t/whole.txt").text == "y" * 1000 and not report.failed


def test_a_sync_whose_bodies_keep_being_cut_fails_and_says_why(local_s3, s3_client, bucket,
                                                               tmp_path):
    put_objects(s3_client, bucket, {"t/whole.txt": "y" * 1000})
    settings = ProxySettings(fault_share=1.0, fault_kinds=("truncate",))
    with S3Proxy(local_s3.endpoint_url, settings) as proxy:
        result = sync(tmp_path, write_sources(tmp_path / "s.yaml", proxy.url, bucket))
    assert result.returncode == 1 and "may pass" in result.stderr
    assert SqliteIndex(str(tmp_path / "i.db")).get("docs", "t/whole.txt") is None
    failures = run_cli("failures", "--index", str(tmp_path / "i.db"), cwd=tmp_path).stdout
    assert "t/whole.txt" in failures and "body ended early" in failures
