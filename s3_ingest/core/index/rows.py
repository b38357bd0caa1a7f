"""Documents to table rows and back, in columns.COLUMNS order, the same in every backend.

What differs is only how a database stores what SQL has no one type for - times and JSON - and
what text it can hold; each backend says so with a `Values` of its own."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from s3_ingest.core.documents import Document
from s3_ingest.core.index.base import SearchHit


def utc(value: datetime) -> datetime:
    """Naive datetimes are taken to be UTC (what S3 reports); aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value if value.tzinfo is timezone.utc else value.astimezone(timezone.utc)


class Values:
    """How a backend stores times, JSON and text; the defaults store times as datetimes, JSON
    as text, and text as it is."""

    def text(self, value: Any) -> Any:
        return value

    def time(self, value: datetime) -> Any:
        return utc(value)

    def parse_time(self, value: Any) -> datetime:
        return utc(value)

    def json(self, value: Mapping[str, object]) -> str:
        if not value:
            return "{}"
        return json.dumps(dict(value), ensure_ascii=False, sort_keys=True)

    def parse_json(self, value: Any) -> dict[str, Any]:
        return dict(value)


def document_row(doc: Document, indexed_at: Any, values: Values) -> tuple[Any, ...]:
    if not isinstance(doc.last_modified, datetime):
        raise TypeError(f"{doc.key!r}: last_modified must be a datetime")
    text = values.text
    return (
        text(doc.source),
        text(doc.bucket),
        text(doc.key),
        text(doc.rel_path),
        text(doc.partition),
        doc.size,
        text(doc.etag),
        values.time(doc.last_modified),
        text(doc.content_type),
        text(doc.version_id),
        text(doc.storage_class),
        values.json(doc.metadata),
        values.json(doc.tags),
        text(doc.title),
        text(doc.text),
        text(doc.status),
        text(doc.reason),
        text(doc.detected_type),
        indexed_at,
    )


def row_document(row: tuple[Any, ...], values: Values) -> Document:
    """A row of columns.DOCUMENT_COLUMNS as a Document."""
    (source, bucket, key, rel_path, partition, size, etag, last_modified, content_type,
     version_id, storage_class, metadata, tags, title, text, status, reason,
     detected_type) = row  # fmt: skip
    return Document(
        source=source,
        bucket=bucket,
        key=key,
        rel_path=rel_path,
        partition=partition,
        size=size,
        etag=etag,
        last_modified=values.parse_time(last_modified),
        content_type=content_type,
        version_id=version_id,
        storage_class=storage_class,
        metadata=values.parse_json(metadata),
        tags=values.parse_json(tags),
        title=title,
        text=text,
        status=status,
        reason=reason,
        detected_type=detected_type,
    )


def search_hit(row: tuple[Any, ...], values: Values) -> SearchHit:
    """A row of (source, bucket, key, title, score, snippet, content_type, tags, size,
    last_modified, detected_type) as a SearchHit."""
    source, bucket, key, title, score, snippet, content_type, tags, size, modified, detected = row
    return SearchHit(
        source=source,
        bucket=bucket,
        key=key,
        title=title,
        score=float(score),
        snippet=snippet,
        content_type=content_type,
        tags=values.parse_json(tags),
        size=size,
        last_modified=values.parse_time(modified),
        detected_type=detected,
    )
