"""Documents for the index tests: `make_doc` (one with every field filled, any overridden), the
moment `T0` they were last modified, and `keys` (the keys of search hits, in order)."""

from __future__ import annotations

from datetime import datetime, timezone

from s3_ingest.core.documents import Document

T0 = datetime(2024, 5, 17, 8, 30, 15, 123456, tzinfo=timezone.utc)


def make_doc(key: str, **fields: object) -> Document:
    values: dict[str, object] = {
        "source": "docs",
        "bucket": "bucket-a",
        "key": key,
        "rel_path": key.split("/", 1)[-1],
        "partition": "p1",
        "size": 100,
        "etag": f'"etag-{key}"',
        "last_modified": T0,
        "content_type": "text/plain",
        "title": None,
        "text": f"plain body of {key}",
    }
    values.update(fields)
    return Document(**values)  # type: ignore[arg-type]


def keys(hits) -> list[str]:
    return [hit.key for hit in hits]
