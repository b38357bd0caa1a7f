"""A botocore client's S3 requests, counted or replaced: `RequestCounter`, `Wrapped` (a client with
some operations swapped) and `client_error` (the ClientError S3 would raise)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError


class RequestCounter:
    """Counts the GetObject / HeadObject calls a real botocore client makes (any thread).

    `before-call` fires once per API call, just before the request goes out; the key comes from
    `before-parameter-build`, which sees the call's own parameters.
    """

    def __init__(self, client: Any) -> None:
        self.counts: Counter[str] = Counter()
        self.keys: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        for operation, kind in (("GetObject", "GET"), ("HeadObject", "HEAD")):
            client.meta.events.register(f"before-call.s3.{operation}", self._count(kind))
            client.meta.events.register(f"before-parameter-build.s3.{operation}", self._key(kind))

    def _count(self, kind: str) -> Callable[..., None]:
        def handler(**kwargs: Any) -> None:
            with self._lock:
                self.counts[kind] += 1

        return handler

    def _key(self, kind: str) -> Callable[..., None]:
        def handler(params: dict[str, Any], **kwargs: Any) -> None:
            with self._lock:
                self.keys.append((kind, params["Key"]))

        return handler


class Wrapped:
    """A client that delegates to the moto client, with some operations replaced."""

    def __init__(self, client: Any, **overrides: Callable[..., Any]) -> None:
        self._client = client
        self._overrides = overrides

    def __getattr__(self, name: str) -> Any:
        if name in self._overrides:
            return self._overrides[name]
        return getattr(self._client, name)


def client_error(code: str, status: int, operation: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": "injected"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )
