"""The bucket the ingest tests fill: its name, the `bucket` fixture creating it in moto's S3 (the
test modules import it), a source over it, putting objects in it, and what they read back from
the index (`found`, `texts`)."""

from __future__ import annotations

from typing import Any

import pytest

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.s3.partition_keys import ROOT_PARTITION
from s3_ingest.core.sources.model import Source

BUCKET = "ingest-test-bucket"
ROOT = ROOT_PARTITION


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


def make_source(**fields: Any) -> Source:
    return Source(name="docs", bucket=BUCKET, **fields)


def put(client: Any, key: str, body: str | bytes = "", **extra: Any) -> None:
    data = body.encode() if isinstance(body, str) else body
    client.put_object(Bucket=BUCKET, Key=key, Body=data, **extra)


def put_many(client: Any, objects: dict[str, str]) -> None:
    for key, body in objects.items():
        put(client, key, body)


def texts(index: SqliteIndex, source: str = "docs") -> dict[str, str | None]:
    keys = index.manifest(source)
    return {key: index.get(source, key).text for key in sorted(keys)}  # type: ignore[union-attr]


def found(index: SqliteIndex, query: str) -> list[str]:
    return sorted(hit.key for hit in index.search(query, limit=50))
