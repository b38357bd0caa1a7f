"""An embedder for any OpenAI-compatible `/embeddings` endpoint: OpenAI, Azure OpenAI, Ollama,
vLLM, Hugging Face TEI.

Texts go in batches, up to `concurrency` of them in flight at once (issue 19: an endpoint's
latency, not its throughput, bounds one request at a time); the vectors come back in the order
of the texts whatever order the batches finish in, and a batch that fails for good fails the
whole call, naming which batch, with the rest cancelled. Throttling (429), server errors (5xx),
timeouts and dropped connections are retried with exponential backoff and jitter (honouring
Retry-After). The API key is sent in
a header and kept out of everything else: the repr, log lines and error messages name the
endpoint and the status, never the key or the request.
"""

from __future__ import annotations

import json
import math
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

from s3_ingest.core.retrieval.embedder import EmbedderError

_RETRY_STATUSES = {408, 409, 425, 429, 500, 502, 503, 504}


class HttpEmbedder:
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        dimension: int | None = None,
        batch_size: int = 64,
        max_attempts: int = 5,
        timeout_s: float = 60.0,
        backoff_s: float = 0.5,
        key_header: str = "Authorization",
        sleep: Callable[[float], None] = time.sleep,
        concurrency: int = 4,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._api_key = api_key
        self._dimension = dimension
        self.batch_size = max(1, batch_size)
        self.max_attempts = max(1, max_attempts)
        self.timeout_s = timeout_s
        self.backoff_s = backoff_s
        self.key_header = key_header
        self._sleep = sleep
        self.concurrency = max(1, concurrency)
        self.requests = 0
        self._count = threading.Lock()

    def __repr__(self) -> str:
        return f"HttpEmbedder({self.base_url!r}, model={self.model!r})"

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._dimension = len(self.embed(["dimension probe"])[0])
        return self._dimension

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        batches = [list(texts[start : start + self.batch_size])
                   for start in range(0, len(texts), self.batch_size)]
        if len(batches) <= 1 or self.concurrency == 1:
            results = [self._batch(batch) for batch in batches]
        else:
            results = self._in_flight(batches)
        vectors = [vector for result in results for vector in result]
        if vectors and self._dimension is None:
            self._dimension = len(vectors[0])
        return vectors

    def _in_flight(self, batches: list[list[str]]) -> list[list[list[float]]]:
        """Every batch, `concurrency` at a time; results in the batches' order."""
        results: list[list[list[float]] | None] = [None] * len(batches)
        workers = min(self.concurrency, len(batches))
        with ThreadPoolExecutor(workers, thread_name_prefix="embeddings") as pool:
            futures = {pool.submit(self._batch, batch): n for n, batch in enumerate(batches)}
            try:
                for future in as_completed(futures):
                    n = futures[future]
                    try:
                        results[n] = future.result()
                    except EmbedderError as exc:
                        raise EmbedderError(
                            f"batch {n + 1} of {len(batches)} ({len(batches[n])} texts): {exc}"
                        ) from None
            except BaseException:
                for future in futures:
                    future.cancel()  # batches not yet sent are never sent
                raise
        return [result for result in results if result is not None]

    def _batch(self, texts: list[str]) -> list[list[float]]:
        body = json.dumps({"model": self.model, "input": texts}).encode()
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            value = f"Bearer {self._api_key}" if self.key_header.lower() == "authorization" \
                else self._api_key
            headers[self.key_header] = value
        for attempt in range(1, self.max_attempts + 1):
            request = urllib.request.Request(
                f"{self.base_url}/embeddings", data=body, headers=headers, method="POST"
            )
            retry_after: float | None = None
            try:
                with self._count:
                    self.requests += 1
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    payload = json.loads(response.read())
                return _vectors(payload, len(texts), self.base_url)
            except urllib.error.HTTPError as exc:
                status = exc.code
                retry_after = _seconds(exc.headers.get("Retry-After") if exc.headers else None)
                exc.close()
                if status not in _RETRY_STATUSES or attempt == self.max_attempts:
                    raise EmbedderError(
                        f"embeddings endpoint {self.base_url} answered HTTP {status}"
                        + (" (check the API key)" if status in (401, 403) else "")
                        + f" after {attempt} attempt(s)"
                    ) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                if attempt == self.max_attempts:
                    reason = type(getattr(exc, "reason", exc)).__name__
                    raise EmbedderError(
                        f"embeddings endpoint {self.base_url} unreachable ({reason}) after "
                        f"{attempt} attempt(s)"
                    ) from None
            delay = self.backoff_s * 2 ** (attempt - 1) * (0.5 + random.random())
            self._sleep(retry_after if retry_after is not None else delay)
        raise AssertionError("unreachable")


def _vectors(payload: object, expected: int, where: str) -> list[list[float]]:
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, list) or len(data) != expected:
        raise EmbedderError(f"embeddings endpoint {where} answered without {expected} vectors")
    # OpenAI returns items with an index; order by it rather than trusting the list order.
    ordered = sorted(data, key=lambda item: item.get("index", 0))
    return [_unit([float(x) for x in item["embedding"]]) for item in ordered]


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
