"""Odd keys and hostile objects, end to end through the Dagster asset on a real S3 endpoint."""

from __future__ import annotations

import os

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.s3.listing import list_partitions
from s3_ingest.core.s3.partition_keys import decode_partition
from s3_ingest_tests.conftest import make_source, put_objects
from s3_ingest_tests.defs.ingest.test_assets import metadata_of, run_partition

LONG_KEY = "odd/" + "k" * 1017 + ".md"  # 1,024 bytes, S3's limit
ODD_KEYS = {
    "odd/unicode-ü-日本.md": "# Überblick\nunicode body zanzibar",
    "odd/with space.md": "space body",
    "odd/plus+sign.md": "plus body",
    "odd/percent%20literal.md": "percent body",
    "odd/question?.md": "question body",
    "odd/hash#tag.md": "hash body",
    "odd/../escape.md": "dot dot body",
    LONG_KEY: "long key body",
    "odd/empty.txt": b"",
    "odd/latin1.txt": "caf\xe9 cr\xe8me br\xfbl\xe9e".encode("latin-1"),
    "odd/binary.txt": bytes(range(256)) * 8,
    "we,ird[1]|.../x.md": "weird folder body",
}


def test_odd_keys_and_bytes_are_indexed_exactly_and_never_touch_the_filesystem(
    local_s3, s3_client, bucket, tmp_path, monkeypatch
):
    put_objects(s3_client, bucket, ODD_KEYS)
    s3_client.put_object(Bucket=bucket, Key="odd/folder/", Body=b"")  # a folder marker
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    source = make_source(local_s3.endpoint_url, bucket)
    index_path = tmp_path / "index.db"
    partitions = list_partitions(s3_client, bucket)
    assert sorted(decode_partition(p) for p in partitions) == ["odd/", "we,ird[1]|.../"]
    for partition in partitions:
        result = run_partition(source, partition, index_path)
        assert result.success, partition
        if partition == "odd/":
            assert metadata_of(result, source)["skipped_folder_marker"] == 1

    index = SqliteIndex(str(index_path))
    assert set(index.manifest("docs")) == set(ODD_KEYS)
    assert index.get("docs", LONG_KEY).text == "long key body"
    assert [h.key for h in index.search("zanzibar")] == ["odd/unicode-ü-日本.md"]
    assert index.get("docs", "odd/latin1.txt").text.startswith("café crème")
    binary = index.get("docs", "odd/binary.txt")
    assert binary.status == "metadata_only" and binary.text is None and "binary" in binary.reason
    assert index.get("docs", "odd/empty.txt").status == "metadata_only"
    assert os.listdir(workdir) == []  # no key was ever used as a local path


def test_one_fifty_megabyte_line_is_indexed_bounded(local_s3, s3_client, bucket, tmp_path):
    line = ("kestrel " * (50 * 1024 * 1024 // 8)).encode()
    s3_client.put_object(Bucket=bucket, Key="big/one-line.txt", Body=line)
    source = make_source(local_s3.endpoint_url, bucket, max_file_size="64MB")
    result = run_partition(source, "big/", tmp_path / "index.db")
    assert result.success
    doc = SqliteIndex(str(tmp_path / "index.db")).get("docs", "big/one-line.txt")
    assert doc.status == "indexed" and doc.size == len(line)
    assert 0 < len(doc.text) <= 5_000_000  # text is capped, the object is not refused


def test_a_key_with_a_newline_is_indexed_exactly(tmp_path):
    # moto's HTTP server (werkzeug) refuses %0A in a path, so this key goes through the core
    # pipeline on moto's in-process mock; S3 itself accepts it.
    import boto3
    from moto import mock_aws

    from s3_ingest.core.sync.ingest import ingest_partition

    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="newline-keys")
        client.put_object(Bucket="newline-keys", Key="odd/new\nline.md", Body=b"newline body")
        source = make_source("http://unused", "newline-keys").model_copy(update={"endpoint": None})
        index = SqliteIndex(str(tmp_path / "index.db"))
        report = ingest_partition(client, source, "odd/", index)
    assert report.indexed == 1
    assert [h.key for h in index.search("newline")] == ["odd/new\nline.md"]
