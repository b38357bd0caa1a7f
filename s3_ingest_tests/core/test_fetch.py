"""fetch_object: one GET or HEAD, every S3 failure turned into an outcome."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.s3.fetch import (
    ARCHIVED, FAILED, GONE, OK, TOO_LARGE, fetch_object, head_object,
)
from s3_ingest.core.s3.listing import iter_objects

BUCKET = "fetch-test-bucket"


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


def listed(s3: Any, key: str) -> Any:
    (obj,) = [o for o in iter_objects(s3, BUCKET) if o.key == key]
    return obj


def stub_obj(key: str, size: int) -> ListedObject:
    return ListedObject(key, key, size, "e", datetime(2024, 1, 1, tzinfo=timezone.utc))


class TrackingBody:
    """A stream that records how much was read and whether it was closed."""

    def __init__(self, data: bytes) -> None:
        self.data, self.read_sizes, self.closed, self.at = data, [], False, 0

    def read(self, amt: int | None = None) -> bytes:
        self.read_sizes.append(amt)
        end = len(self.data) if amt is None else self.at + amt
        chunk, self.at = self.data[self.at:end], min(end, len(self.data))
        return chunk

    def close(self) -> None:
        self.closed = True


class StubClient:
    def __init__(self, *, get: Any = None, head: Any = None) -> None:
        self._get, self._head = get, head
        self.calls: list[str] = []

    def get_object(self, **kwargs: Any) -> Any:
        self.calls.append("GET")
        if isinstance(self._get, BaseException):
            raise self._get
        return self._get

    def head_object(self, **kwargs: Any) -> Any:
        self.calls.append("HEAD")
        if isinstance(self._head, BaseException):
            raise self._head
        return self._head


def client_error(
    code: str, status: int, operation: str = "GetObject", message: str = ""
) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )


def test_ok_get(s3: Any, bucket: str) -> None:
    s3.put_object(
        Bucket=bucket,
        Key="docs/a.md",
        Body=b"# Hello\nworld",
        ContentType="text/markdown; charset=utf-8",
        Metadata={"author": "alice", "dept": "eng"},
    )
    obj = listed(s3, "docs/a.md")
    fetched = fetch_object(s3, bucket, obj, max_bytes=1000)
    assert fetched.outcome == OK
    assert fetched.request == "GET"
    assert fetched.body == b"# Hello\nworld"
    assert fetched.size == 13
    assert fetched.content_type == "text/markdown; charset=utf-8"
    assert fetched.metadata == {"author": "alice", "dept": "eng"}
    assert fetched.etag == obj.etag
    assert fetched.last_modified == obj.last_modified
    assert fetched.reason is None
    assert fetched.version_id is None


def test_body_exactly_at_the_limit_is_ok(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"x" * 100)
    fetched = fetch_object(s3, bucket, listed(s3, "a.txt"), max_bytes=100)
    assert fetched.outcome == OK
    assert fetched.body == b"x" * 100


def test_a_head_tells_a_restored_archive_from_one_still_archived(s3: Any, bucket: str) -> None:
    class Source:
        prefix = ""
    Source.bucket = bucket
    s3.put_object(Bucket=bucket, Key="cold.md", Body=b"ice", StorageClass="GLACIER")
    s3.put_object(Bucket=bucket, Key="colder.md", Body=b"ice", StorageClass="GLACIER")
    s3.restore_object(Bucket=bucket, Key="cold.md", RestoreRequest={"Days": 1})
    assert head_object(s3, Source, "cold.md").obj.restored
    assert not head_object(s3, Source, "colder.md").obj.restored
    restored = fetch_object(s3, bucket, head_object(s3, Source, "cold.md").obj, max_bytes=100)
    assert restored.outcome == OK and restored.body == b"ice"


def test_head_when_body_not_wanted(s3: Any, bucket: str) -> None:
    s3.put_object(
        Bucket=bucket,
        Key="img.png",
        Body=b"\x89PNG....",
        ContentType="image/png",
        Metadata={"camera": "x100"},
    )
    calls: list[str] = []
    s3.meta.events.register("before-call.s3.GetObject", lambda **kw: calls.append("GET"))
    s3.meta.events.register("before-call.s3.HeadObject", lambda **kw: calls.append("HEAD"))
    fetched = fetch_object(s3, bucket, listed(s3, "img.png"), max_bytes=1000, want_body=False)
    assert calls == ["HEAD"]
    assert fetched.outcome == OK
    assert fetched.request == "HEAD"
    assert fetched.body is None
    assert fetched.size == 8
    assert fetched.content_type == "image/png"
    assert fetched.metadata == {"camera": "x100"}


def test_larger_than_max_bytes_is_too_large(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="big.txt", Body=b"y" * 5000)
    fetched = fetch_object(s3, bucket, listed(s3, "big.txt"), max_bytes=1000)
    assert fetched.outcome == TOO_LARGE
    assert fetched.body is None
    assert fetched.request == "GET"
    assert "1000" in (fetched.reason or "")


def test_too_large_by_content_length_reads_nothing_and_closes() -> None:
    obj = stub_obj("k.txt", 10)
    body = TrackingBody(b"z" * 5000)
    client = StubClient(get={"Body": body, "ContentLength": 5000, "ETag": '"e2"'})
    fetched = fetch_object(client, "b", obj, max_bytes=1000)
    assert fetched.outcome == TOO_LARGE
    assert fetched.body is None
    assert body.read_sizes == []
    assert body.closed


def test_body_longer_than_content_length_claims_is_cut_at_one_byte_past() -> None:
    obj = stub_obj("k.txt", 10)
    body = TrackingBody(b"z" * 5000)
    client = StubClient(get={"Body": body, "ContentLength": 10})
    fetched = fetch_object(client, "b", obj, max_bytes=1000)
    assert fetched.outcome == TOO_LARGE
    assert fetched.body is None
    assert body.read_sizes == [1001]
    assert body.closed


def test_ok_body_is_closed() -> None:
    obj = stub_obj("k.txt", 3)
    body = TrackingBody(b"abc")
    fetched = fetch_object(
        StubClient(get={"Body": body, "ContentLength": 3, "VersionId": "null"}),
        "b",
        obj,
        max_bytes=10,
    )
    assert fetched.outcome == OK and fetched.body == b"abc"
    assert fetched.version_id is None  # "null" is S3's "unversioned"
    assert body.closed


def test_missing_key_is_gone(s3: Any, bucket: str) -> None:
    s3.put_object(Bucket=bucket, Key="gone.md", Body=b"x")
    obj = listed(s3, "gone.md")
    s3.delete_object(Bucket=bucket, Key="gone.md")
    get = fetch_object(s3, bucket, obj, max_bytes=100)
    head = fetch_object(s3, bucket, obj, max_bytes=100, want_body=False)
    assert (get.outcome, get.request, get.body) == (GONE, "GET", None)
    assert (head.outcome, head.request) == (GONE, "HEAD")


def test_glacier_object_is_archived(s3: Any, bucket: str) -> None:
    # moto answers a GET of a GLACIER object with InvalidObjectState (403), as S3 does.
    s3.put_object(Bucket=bucket, Key="cold.md", Body=b"frozen", StorageClass="GLACIER")
    obj = listed(s3, "cold.md")
    assert obj.storage_class == "GLACIER"
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket=bucket, Key="cold.md")
    assert info.value.response["Error"]["Code"] == "InvalidObjectState"

    fetched = fetch_object(s3, bucket, obj, max_bytes=1000)
    assert fetched.outcome == ARCHIVED
    assert fetched.body is None
    assert "GLACIER" in (fetched.reason or "")


def test_access_denied_is_failed_with_reason() -> None:
    obj = stub_obj("k.md", 3)
    error = ClientError(
        {"Error": {"Code": "AccessDenied"}, "ResponseMetadata": {"HTTPStatusCode": 403}},
        "GetObject",
    )
    fetched = fetch_object(StubClient(get=error), "b", obj, max_bytes=10)
    assert fetched.outcome == FAILED
    assert fetched.request == "GET"
    assert "access denied" in (fetched.reason or "").lower()
    assert "403" in (fetched.reason or "")


def test_head_forbidden_without_code_is_failed() -> None:
    obj = stub_obj("k.png", 3)
    fetched = fetch_object(
        StubClient(head=client_error("403", 403, "HeadObject")),
        "b",
        obj,
        max_bytes=10,
        want_body=False,
    )
    assert fetched.outcome == FAILED
    assert fetched.request == "HEAD"
    assert "access denied" in (fetched.reason or "")


def test_other_errors_are_failed_not_raised() -> None:
    obj = stub_obj("k.md", 3)
    slow = fetch_object(
        StubClient(get=client_error("SlowDown", 503, message="secret-ish")), "b", obj, max_bytes=10
    )
    assert slow.outcome == FAILED
    assert slow.reason == "SlowDown (503)"

    down = fetch_object(
        StubClient(get=EndpointConnectionError(endpoint_url="http://x:1")), "b", obj, max_bytes=10
    )
    assert down.outcome == FAILED
    assert "EndpointConnectionError" in (down.reason or "")
