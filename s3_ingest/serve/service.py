"""What the HTTP API and the MCP server both serve (issue 24): searches and documents of the
read-only index, for one caller's principals, on a bounded pool of worker threads.

The pool has `workers` threads and admits at most `workers + queue` requests at once; one more
is refused at once with `Busy` (HTTP 503) rather than waiting behind a slow query, so a few
slow searches cannot starve the server, and the event loop itself never runs a query.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from s3_ingest.cli.search_command import _json as hit_json
from s3_ingest.core.index import SearchFilters
from s3_ingest.core.index.principals import Access, stored_principals
from s3_ingest.core.index.readonly import open_index_read_only
from s3_ingest.core.retrieval import Retriever
from s3_ingest.serve.auth import Caller

log = logging.getLogger(__name__)
T = TypeVar("T")


class Busy(RuntimeError):
    """Every worker is taken and the queue is full."""


@dataclass(frozen=True, slots=True)
class Limits:
    workers: int = 4
    queue: int = 32  # requests admitted beyond the busy workers, waiting for one
    max_query_chars: int = 1000
    max_limit: int = 100


class SearchService:
    def __init__(self, index_url: str, *, embedder: Any = None, limits: Limits = Limits(),
                 deny_unlisted: bool = False) -> None:
        from s3_ingest.cli.search_command import _Lazy
        from s3_ingest.core.retrieval.embedder_choice import embedder_from_env

        self.limits, self.deny_unlisted = limits, deny_unlisted
        self.index = open_index_read_only(index_url)
        self.index.count()  # a missing or unmigrated index fails here, at start (IndexNotReady)
        self._embedder = embedder if embedder is not None else _Lazy(embedder_from_env)
        self.retriever = Retriever(self.index, embedder=self._embedder)
        self._pool = ThreadPoolExecutor(limits.workers, thread_name_prefix="s3-ingest-search")
        self._slots = threading.BoundedSemaphore(limits.workers + limits.queue)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.index.close()

    # ------------------------------------------------------------------------------ the pool

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` on the pool; Busy at once when it is full."""
        if not self._slots.acquire(blocking=False):
            raise Busy(f"all {self.limits.workers} search workers are busy and "
                       f"{self.limits.queue} requests wait: retry shortly")
        try:
            future = self._pool.submit(work, *args)
        except BaseException:
            self._slots.release()
            raise
        # The slot frees when the work ends, not when a client gives up waiting for it.
        future.add_done_callback(lambda _: self._slots.release())
        return await asyncio.wrap_future(future)

    # ----------------------------------------------------------------------------- the work

    def access(self, caller: Caller) -> Access:
        return Access(caller.principals, deny_unlisted=self.deny_unlisted)

    def search(self, caller: Caller, query: str, filters: SearchFilters, *, mode: str | None,
               limit: int, chunks: bool) -> dict[str, Any]:
        """Hits as `s3-ingest search --json` prints them, best first, and the mode that ran."""
        filters = _with_access(filters, self.access(caller))
        results = self.retriever.run(query, mode, filters, limit, chunks=chunks)  # type: ignore[arg-type]
        best = max((hit.score for hit in results.hits), default=0.0)
        hits = []
        for rank, hit in enumerate(results.hits, 1):
            # As the CLI: relevance is the score against the best hit's, 0 to 1.
            relevance = round(hit.score / best, 2) if best > 0 else 0.0
            hits.append(hit_json(rank, hit, results.mode) | {"relevance": relevance})
        return {"mode": results.mode, "note": results.note, "hits": hits}

    def document(self, caller: Caller, source: str, key: str) -> dict[str, Any] | None:
        """One document's metadata and text; None when it does not exist or the caller may not
        see it (the two look alike, so a caller learns nothing of documents hidden from it)."""
        found, principals = stored_principals(self.index, source, key)
        if not found or not self.access(caller).may_see(principals):
            return None
        doc = self.index.get(source, key)
        if doc is None:
            return None
        return {
            "source": doc.source, "bucket": doc.bucket, "key": doc.key, "title": doc.title,
            "content_type": doc.content_type, "size": doc.size, "etag": doc.etag,
            "last_modified": doc.last_modified.isoformat(), "version_id": doc.version_id,
            "tags": doc.tags, "metadata": doc.metadata, "status": doc.status,
            "reason": doc.reason, "text": doc.text,
        }

    def health(self) -> dict[str, Any]:
        """Whether the index answers, and which embedder is loaded (none until the first search
        by meaning, unless preloaded)."""
        try:
            # No counts: this route needs no token, and the index's size is not for everyone.
            index = {"reachable": True, "searchable_by_meaning": self.index.chunk_count() > 0}
        except Exception as exc:  # the server stays up to say the index is not
            log.warning("health: the index did not answer: %s", type(exc).__name__)
            index = {"reachable": False, "error": type(exc).__name__}
        loaded = getattr(self._embedder, "_embedder", self._embedder)
        embedder = {"loaded": loaded is not None,
                    "model": getattr(loaded, "model", None) if loaded is not None else None}
        return {"status": "ok" if index["reachable"] else "unavailable", "index": index,
                "embedder": embedder}

    def preload_embedder(self) -> None:
        """Load the model now, so the first hybrid search does not pay for it."""
        if self.index.chunk_count():
            _ = self._embedder.dimension


def _with_access(filters: SearchFilters, access: Access) -> SearchFilters:
    return dataclasses.replace(filters, access=access)
