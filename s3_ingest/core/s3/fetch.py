"""Fetch one object: its body (bounded by max_file_size, checked whole) or, for types we cannot
extract, its metadata alone, turning per-object S3 failures into outcomes instead of exceptions.

A body is only ever handed on complete: shorter than its Content-Length, cut by a reset, or not
matching its checksum (the MD5 that a single-part, non-KMS object's ETag is; x-amz-checksum-*
headers are checked by botocore) is a transient failure - the caller tries again - never text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.s3.errors import error_code, http_status, object_error_reason

OK = "ok"
GONE = "gone"  # deleted between list and get: treated as a deletion
ARCHIVED = "archived"  # Glacier / Deep Archive: not readable without a restore
TOO_LARGE = "too_large"  # grew past max_file_size since it was listed
FAILED = "failed"

_MD5_ETAG = re.compile(r"^[0-9a-f]{32}$")
# Worth another try: the server or the connection, not the request, was at fault.
_TRANSIENT_CODES = {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout",
                    "RequestTimeTooSkewed", "Throttling", "ThrottlingException"}


@dataclass(slots=True)
class Fetched:
    obj: ListedObject
    outcome: str
    body: bytes | None = None
    content_type: str | None = None
    content_encoding: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    version_id: str | None = None
    etag: str | None = None
    size: int | None = None
    last_modified: datetime | None = None
    storage_class: str | None = None
    reason: str | None = None
    request: str | None = None  # "GET" or "HEAD": what it cost
    transient: bool = False  # a failure that may pass on another try


def _from_response(obj: ListedObject, response: dict[str, Any], outcome: str) -> Fetched:
    return Fetched(
        obj=obj,
        outcome=outcome,
        content_type=response.get("ContentType"),
        content_encoding=(response.get("ContentEncoding") or "").strip().lower() or None,
        metadata=dict(response.get("Metadata") or {}),
        version_id=response.get("VersionId") if response.get("VersionId") != "null" else None,
        etag=(response.get("ETag") or obj.etag).strip('"'),
        size=response.get("ContentLength", obj.size),
        last_modified=response.get("LastModified") or obj.last_modified,
        storage_class=response.get("StorageClass") or obj.storage_class,
    )


def _failure(obj: ListedObject, exc: Exception, request: str) -> Fetched:
    if isinstance(exc, ClientError):
        code, status = error_code(exc), http_status(exc)
        if code in ("NoSuchKey", "NotFound", "404") or status == 404:
            return Fetched(obj, GONE, reason="deleted between listing and fetch", request=request)
        if code == "InvalidObjectState":
            return Fetched(obj, ARCHIVED, reason=f"archived ({obj.storage_class})",
                           request=request)
        transient = code in _TRANSIENT_CODES or (status or 0) >= 500
        return Fetched(obj, FAILED, reason=object_error_reason(exc), request=request,
                       transient=transient)
    # Connection resets, read timeouts, a body cut short, a checksum botocore rejected.
    return Fetched(obj, FAILED, reason=f"{type(exc).__name__} after retries", request=request,
                   transient=True)


def _body_problem(fetched: Fetched, data: bytes, response: dict[str, Any]) -> str | None:
    expected = response.get("ContentLength")
    if expected is not None and len(data) != expected:
        return f"body ended early ({len(data)} of {expected} bytes)"
    encrypted = response.get("SSECustomerAlgorithm") or str(
        response.get("ServerSideEncryption") or "").startswith("aws:kms")
    etag = (fetched.etag or "").lower()
    if not encrypted and _MD5_ETAG.match(etag) and hashlib.md5(data).hexdigest() != etag:
        return "body does not match its ETag (MD5)"
    return None


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
            problem = _body_problem(fetched, data, response)
            # botocore checks an x-amz-checksum-* header only on the read that finds the end of
            # the stream; without this one, a corrupt body whose ETag is no MD5 (multipart,
            # SSE-KMS) would pass.
            if problem is None and body.read(1):
                problem = "body longer than its Content-Length"
            if problem:
                fetched.outcome, fetched.reason, fetched.transient = FAILED, problem, True
                return fetched
            fetched.body = data
            fetched.size = len(data)
            return fetched
        finally:
            body.close()
    except (ClientError, BotoCoreError) as exc:
        return _failure(obj, exc, request)


def head_object(client: Any, source: Any, key: str) -> Fetched:
    """HEAD a key that was named without being listed; on success `obj` is what a listing
    would have said of it (so the run goes on as if it had been listed)."""
    unknown = ListedObject(key, key[len(source.prefix):], 0, "", datetime.min)
    try:
        response = client.head_object(Bucket=source.bucket, Key=key)
    except (ClientError, BotoCoreError) as exc:
        return _failure(unknown, exc, "HEAD")
    version = response.get("VersionId")
    listed = ListedObject(
        key=key, rel_path=unknown.rel_path, size=int(response.get("ContentLength", 0)),
        etag=(response.get("ETag") or "").strip('"'), last_modified=response["LastModified"],
        storage_class=response.get("StorageClass") or "STANDARD",
        version_id=version if version and version != "null" else None,
        # `Restore: ongoing-request="false", expiry-date=...`: a restored copy is readable.
        restored='ongoing-request="false"' in (response.get("Restore") or ""),
    )
    fetched = _from_response(listed, response, OK)
    fetched.request = "HEAD"
    return fetched
