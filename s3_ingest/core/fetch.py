"""Fetch one object: its body (bounded by max_file_size) or, for types we cannot extract, its
metadata alone, turning per-object S3 failures into outcomes instead of exceptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.errors import error_code, http_status, object_error_reason

OK = "ok"
GONE = "gone"  # deleted between list and get: treated as a deletion
ARCHIVED = "archived"  # Glacier / Deep Archive: not readable without a restore
TOO_LARGE = "too_large"  # grew past max_file_size since it was listed
FAILED = "failed"


@dataclass(slots=True)
class Fetched:
    obj: ListedObject
    outcome: str
    body: bytes | None = None
    content_type: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    version_id: str | None = None
    etag: str | None = None
    size: int | None = None
    last_modified: datetime | None = None
    storage_class: str | None = None
    reason: str | None = None
    request: str | None = None  # "GET" or "HEAD": what it cost


def _from_response(obj: ListedObject, response: dict[str, Any], outcome: str) -> Fetched:
    return Fetched(
        obj=obj,
        outcome=outcome,
        content_type=response.get("ContentType"),
        metadata=dict(response.get("Metadata") or {}),
        version_id=response.get("VersionId") if response.get("VersionId") != "null" else None,
        etag=(response.get("ETag") or obj.etag).strip('"'),
        size=response.get("ContentLength", obj.size),
        last_modified=response.get("LastModified") or obj.last_modified,
        storage_class=response.get("StorageClass") or obj.storage_class,
    )


def fetch_object(
    client: Any, bucket: str, obj: ListedObject, *, max_bytes: int, want_body: bool = True
) -> Fetched:
    """GET (or HEAD, when the body is not wanted) one object. Never raises for S3 errors."""
    request = "GET" if want_body else "HEAD"
    try:
        if not want_body:
            fetched = _from_response(obj, client.head_object(Bucket=bucket, Key=obj.key), OK)
            fetched.request = request
            return fetched
        response = client.get_object(Bucket=bucket, Key=obj.key)
        body = response["Body"]
        try:
            fetched = _from_response(obj, response, OK)
            fetched.request = request
            if (fetched.size or 0) > max_bytes:
                fetched.outcome, fetched.reason = TOO_LARGE, f"over max_file_size ({max_bytes} B)"
                return fetched
            # Read at most one byte past the limit, whatever Content-Length claimed.
            data = body.read(max_bytes + 1)
            if len(data) > max_bytes:
                fetched.outcome, fetched.reason = TOO_LARGE, f"over max_file_size ({max_bytes} B)"
                return fetched
            fetched.body = data
            fetched.size = len(data)
            return fetched
        finally:
            body.close()
    except ClientError as exc:
        code, status = error_code(exc), http_status(exc)
        if code in ("NoSuchKey", "NotFound", "404") or status == 404:
            return Fetched(obj, GONE, reason="deleted between listing and fetch", request=request)
        if code == "InvalidObjectState":
            return Fetched(obj, ARCHIVED, reason=f"archived ({obj.storage_class})", request=request)
        return Fetched(obj, FAILED, reason=object_error_reason(exc), request=request)
    except BotoCoreError as exc:
        return Fetched(obj, FAILED, reason=f"{type(exc).__name__} after retries", request=request)
