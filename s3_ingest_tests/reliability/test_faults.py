"""Transient faults: throttling, 5xx, resets, stalls and bodies cut off halfway on a share of
requests lose nothing, index nothing incomplete, and need no second sync."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import boto3

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest_tests.conftest import make_source
from s3_ingest_tests.defs.ingest.test_assets import metadata_of, run_partition
from s3_ingest_tests.local_s3_proxy import ProxySettings, S3Proxy

OBJECTS = 1000


def test_an_ingest_through_twenty_percent_faults_indexes_every_object_once(
    local_s3, s3_client, bucket, tmp_path
):
    def put(i: int) -> None:
        s3_client.put_object(Bucket=bucket, Key=f"f/doc-{i:04d}.txt", Body=f"payload {i} kestrel")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(OBJECTS)))
    settings = ProxySettings(fault_share=0.2, stall_s=1.5, seed=11)
    index_path = tmp_path / "i.db"
    with S3Proxy(local_s3.endpoint_url, settings) as proxy:
        source = make_source(proxy.url, bucket, max_attempts=12, read_timeout=1.0,
                             connect_timeout=1.0, fetch_concurrency=16)
        # One sync: a body cut off is tried again within the run, not left to a later one.
        result = run_partition(source, "f/", index_path)
    assert result.success and _attempts(result) == 1
    meta = metadata_of(result, source)
    assert (meta["indexed"], meta["failed"], meta["listed"]) == (OBJECTS, 0, OBJECTS)
    # The faults really happened, of every kind, on about a fifth of the requests.
    faults = proxy.stats.faults
    assert set(faults) == {"slowdown", "internal_error", "reset", "delay", "truncate",
                           "truncate_reset", "corrupt"}
    assert sum(faults.values()) > 0.1 * OBJECTS
    index = SqliteIndex(str(index_path))
    manifest = index.manifest("docs")
    assert len(manifest) == OBJECTS and index.count("docs") == OBJECTS
    # Every document is whole: not one was indexed from a body cut short.
    for i in range(OBJECTS):
        doc = index.get("docs", f"f/doc-{i:04d}.txt")
        assert doc.status == "indexed" and doc.text == f"payload {i} kestrel", doc.key


def _attempts(result) -> int:
    """How many times the step ran (1: no retry of the whole step was needed)."""
    return 1 + sum(1 for e in result.all_events if e.event_type_value == "STEP_RESTARTED")


def test_a_corrupt_body_whose_etag_is_no_md5_is_caught_by_its_x_amz_checksum(
    local_s3, s3_client, bucket
):
    # SSE-KMS: the ETag is no MD5 of the body, so only the x-amz-checksum-crc32 header that the
    # upload recorded can tell a changed byte.
    from s3_ingest.core.s3.fetch import FAILED, fetch_object
    from s3_ingest.core.s3.listing import iter_objects

    s3_client.put_object(Bucket=bucket, Key="sealed.txt", Body=b"hello world",
                         ServerSideEncryption="aws:kms", ChecksumAlgorithm="CRC32")
    settings = ProxySettings(fault_share=1.0, fault_kinds=("corrupt",))
    with S3Proxy(local_s3.endpoint_url, settings) as proxy:
        client = boto3.client("s3", endpoint_url=proxy.url, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        [obj] = iter_objects(client, bucket)
        fetched = fetch_object(client, bucket, obj, max_bytes=1000)
    assert proxy.stats.faults["corrupt"] == 1
    assert fetched.outcome == FAILED and fetched.transient and fetched.body is None
    assert "Checksum" in fetched.reason
