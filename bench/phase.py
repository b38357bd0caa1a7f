"""One measured phase of the benchmark, run in its own process so its peak RSS is its own.

Prints one JSON object: seconds, cpu_seconds, documents, bytes, peak_rss_mb (and phase extras).
Memory and CPU are the whole process tree's - this process and its descendants (the parser
workers a sync starts) - measured by tree.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from process_tree import TreeMonitor


def _client(endpoint: str, pool: int = 64) -> Any:
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(max_pool_connections=pool, retries={"mode": "standard"},
                      s3={"addressing_style": "path"}),
    )


def _keys(client: Any, bucket: str) -> list[tuple[str, int]]:
    out = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        out += [(o["Key"], o["Size"]) for o in page.get("Contents", [])]
    return out


def baseline(args: argparse.Namespace) -> dict[str, Any]:
    """Raw boto3, 16 threads: list every page, GET and utf-8 decode every object."""
    client = _client(args.endpoint)
    keys = _keys(client, args.bucket)

    def get(key: str) -> int:
        body = client.get_object(Bucket=args.bucket, Key=key)["Body"].read()
        body.decode("utf-8", errors="replace")
        return len(body)

    with ThreadPoolExecutor(16) as pool:
        total = sum(pool.map(get, [k for k, _ in keys]))
    return {"documents": len(keys), "bytes": total}


def listing(args: argparse.Namespace) -> dict[str, Any]:
    """A bare listing of the bucket, the floor of any sync."""
    keys = _keys(_client(args.endpoint), args.bucket)
    return {"documents": len(keys), "bytes": 0}


def list_and_get(args: argparse.Namespace) -> dict[str, Any]:
    """A bare listing plus GETs of the given keys: the floor of an incremental sync."""
    client = _client(args.endpoint)
    _keys(client, args.bucket)
    wanted = json.loads(Path(args.keys_file).read_text())
    with ThreadPoolExecutor(16) as pool:
        total = sum(pool.map(
            lambda k: len(client.get_object(Bucket=args.bucket, Key=k)["Body"].read()), wanted))
    return {"documents": len(wanted), "bytes": total}


def sync(args: argparse.Namespace) -> dict[str, Any]:
    """Every partition through s3_ingest's Dagster assets into the embedded index."""
    from s3_ingest.cli.runner import sync as run_sync
    from s3_ingest.core.sources.loader import load_sources
    from s3_ingest.defs.resources.index import IndexResource

    logging.getLogger("dagster").setLevel(logging.ERROR)
    scanned = []  # each source's scan plan
    runs = run_sync(
        load_sources(args.sources), index=IndexResource(url=args.index),
        instance=args.instance,
        run_config_base={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
        on_scan=lambda source, planned: scanned.append(planned),
        # The ingest bench measures the documents against its baseline, as it always has; the
        # chunks' cost is the retrieval bench's (issue 19 made them part of `sync`).
        chunks=False,
    )
    failed = [r for r in runs if not r.success]
    if failed:
        raise SystemExit(f"sync failed: {failed[0].partition}: {failed[0].error}")
    total = lambda name: sum(int(r.metadata.get(name, 0) or 0) for r in runs)  # noqa: E731
    # CPU by stage: the scan's (list, diff) and every partition run's, summed.
    stage_cpu: dict[str, float] = {}
    for cpu in [p.cpu for p in scanned] + [r.metadata.get("cpu") or {} for r in runs]:
        for stage, seconds in cpu.items():
            stage_cpu[stage] = stage_cpu.get(stage, 0.0) + seconds
    return {"documents": sum(p.listed for p in scanned) or total("listed"),
            "bytes": total("bytes_fetched"),
            "fetched": total("fetched"), "indexed": total("indexed") + total("metadata_only"),
            "deleted": total("deleted"), "unchanged": total("unchanged"),
            "partitions": len(runs), "stage_cpu": stage_cpu,
            # Time inside the core pipeline, summed over partitions; the rest of the phase is
            # partition discovery and Dagster's per-run work.
            "core_seconds": sum(float(r.metadata.get("seconds", 0) or 0) for r in runs)}


class _SyntheticBucket:
    """A stub S3 client whose ListObjectsV2 serves N synthetic keys, 1,000 a page."""

    def __init__(self, count: int) -> None:
        self.count = count

    def key(self, i: int) -> str:
        return f"p{i % 100:02d}/doc-{i:09d}.txt"

    def list_objects_v2(self, **kwargs: Any) -> dict[str, Any]:
        from datetime import datetime, timezone

        start = int(kwargs.get("ContinuationToken") or 0)
        if "StartAfter" in kwargs:
            start = self.sorted_index(kwargs["StartAfter"]) + 1
        end = min(start + kwargs.get("MaxKeys", 1000), self.count)
        stamp = datetime(2026, 1, 1, tzinfo=timezone.utc)
        contents = [{"Key": self.sorted_key(i), "Size": 100, "ETag": '"e"',
                     "LastModified": stamp, "StorageClass": "STANDARD"} for i in range(start, end)]
        page = {"Contents": contents, "IsTruncated": end < self.count}
        if end < self.count:
            page["NextContinuationToken"] = str(end)
        return page

    # Keys in listing order: p00/doc-000000000, p00/doc-000000100, ...
    def sorted_key(self, i: int) -> str:
        per = self.count // 100
        return self.key((i % per) * 100 + i // per)

    def sorted_index(self, key: str) -> int:
        prefix, n = int(key[1:3]), int(key.split("-")[1].split(".")[0])
        return prefix * (self.count // 100) + n // 100


def diff_prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Fill an index with the synthetic bucket's documents (not measured against targets)."""
    from datetime import datetime, timezone

    from s3_ingest.core.documents import Document
    from s3_ingest.core.index.sqlite import SqliteIndex

    bucket, index = _SyntheticBucket(args.keys), SqliteIndex(args.index)
    stamp = datetime(2026, 1, 1, tzinfo=timezone.utc)
    batch = []
    for i in range(bucket.count):
        key = bucket.sorted_key(i)
        batch.append(Document(source="synthetic", bucket="synthetic", key=key, rel_path=key,
                              partition=key[:4], size=100, etag="e", last_modified=stamp,
                              status="metadata_only"))
        if len(batch) == 20_000:
            index.upsert(batch)
            batch = []
    index.upsert(batch)
    return {"documents": index.count("synthetic"), "bytes": 0}


def diff(args: argparse.Namespace) -> dict[str, Any]:
    """Change detection over the synthetic bucket against the full index: a whole pass."""
    from s3_ingest.core.plan.change_scan import scan_changes
    from s3_ingest.core.index.sqlite import SqliteIndex
    from s3_ingest.core.sources.model import Source

    # Unlimited: under the default document_limit all but its first keys would be "dropped".
    source = Source(name="synthetic", bucket="synthetic", document_limit=None)
    result = scan_changes(_SyntheticBucket(args.keys), source, SqliteIndex(args.index),
                          budget_s=3600.0)
    assert result.complete
    return {"documents": result.listed, "bytes": 0, "changes": len(result.changes),
            "new": result.new, "modified": result.modified, "deleted": result.deleted}


PHASES = {f.__name__: f for f in (baseline, listing, list_and_get, sync, diff_prepare, diff)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=sorted(PHASES))
    parser.add_argument("--endpoint")
    parser.add_argument("--bucket")
    parser.add_argument("--sources")
    parser.add_argument("--index")
    parser.add_argument("--keys-file")
    parser.add_argument("--keys", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.phase in ("sync", "diff", "diff_prepare"):
        # A deployment has these loaded, and its Dagster instance up, already: neither the
        # imports nor the instance's set-up (0.7 s for an ephemeral one) is sync time.
        from dagster import DagsterInstance

        import s3_ingest.cli.runner  # noqa: F401
        import s3_ingest.core.plan.change_scan  # noqa: F401

        args.instance = DagsterInstance.ephemeral()
    with TreeMonitor() as tree:
        started = time.perf_counter()
        out = PHASES[args.phase](args)
        out["seconds"] = time.perf_counter() - started
    out["cpu_seconds"] = tree.cpu_seconds
    out["peak_rss_mb"] = tree.peak_rss_mb
    out["peak_rss_upper_mb"] = tree.peak_rss_upper_mb
    out["processes"] = tree.processes
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
