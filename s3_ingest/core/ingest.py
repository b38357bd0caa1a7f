"""Ingest one partition of a source: list, select, diff against the index, fetch, extract, write.

The stages stream: the listing is walked lazily on the calling thread, changed objects go to a
bounded pool of fetch-and-extract workers, and finished documents are written in batches, each in
one transaction, from the calling thread only. Memory is bounded by the pool's in-flight window
and the batch size, never by the number of objects.

Safety rules:
- unchanged objects (same etag, size, last-modified) cost no GET and no write;
- a listing that fails or ends early deletes nothing;
- an object that fails to fetch keeps whatever the index already had for it;
- a run that would delete more than `max_delete_share` of a partition stops and reports instead.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from s3_ingest.core import fetch as fetch_outcomes
from s3_ingest.core.changes import is_changed
from s3_ingest.core.documents import Document, ListedObject
from s3_ingest.core.errors import SourceError, explain_for
from s3_ingest.core.extraction import ExtractionSandbox, worth_fetching
from s3_ingest.core.fetch import Fetched, fetch_object
from s3_ingest.core.index.base import DocumentIndex
from s3_ingest.core.listing import iter_partition_pages
from s3_ingest.core.partition_keys import partition_of
from s3_ingest.core.selection import SKIP_DOCUMENT_LIMIT, SKIP_TOO_LARGE, Selector
from s3_ingest.core.sources import Source
from s3_ingest.core.tags import Tagger

ARCHIVED_STORAGE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
SKIP_ARCHIVED = "archived"
TABLE_ROWS = 25


@dataclass(frozen=True)
class IngestOptions:
    full: bool = False  # re-fetch and re-extract every selected object, changed or not
    batch_size: int = 200
    concurrency: int = 32
    max_delete_share: float = 0.5
    delete_guard_min: int = 10  # the guard looks at partitions that would lose at least this many
    force_delete: bool = False
    page_size: int = 1000


@dataclass
class IngestReport:
    source: str
    bucket: str
    partition: str
    mode: str = "listing"  # "listing": the partition was listed; "keys": only given keys
    listed: int = 0
    selected: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    unchanged: int = 0
    fetched: int = 0
    get_requests: int = 0
    head_requests: int = 0
    indexed: int = 0
    metadata_only: int = 0
    deleted: int = 0
    deletions_held: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    bytes_fetched: int = 0
    seconds: float = 0.0
    documents: list[Document] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.indexed + self.metadata_only

    @property
    def attempted(self) -> int:
        return self.written + len(self.failed)

    @property
    def failed_share(self) -> float:
        return len(self.failed) / self.attempted if self.attempted else 0.0


class DeleteGuardError(RuntimeError):
    """A run would delete too large a share of a partition; nothing was deleted."""


_sandboxes: dict[tuple[float, int], ExtractionSandbox] = {}
_sandboxes_lock = threading.Lock()


def shared_sandbox(timeout_s: float, max_file_size: int) -> ExtractionSandbox:
    """One set of parser worker processes per process (and per limit), shared by every run:
    pdf and docx parse there, under a time limit and a memory limit a few times the largest
    object the source may fetch."""
    memory_mb = max(1024, 4 * max_file_size // (1024 * 1024))
    with _sandboxes_lock:
        sandbox = _sandboxes.get((timeout_s, memory_mb))
        if sandbox is None or sandbox.closed:
            sandbox = ExtractionSandbox(
                workers=max(1, min(4, os.cpu_count() or 1)), timeout_s=timeout_s,
                memory_limit_mb=memory_mb,
            )
            _sandboxes[(timeout_s, memory_mb)] = sandbox
        return sandbox


def selector_for(source: Source) -> Selector:
    return Selector(
        extensions=tuple(source.extensions),
        include=tuple(source.include),
        exclude=tuple(source.exclude),
        max_file_size=source.max_file_size,
    )


def _has_extension(key: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    return "." in name.strip(".")


class _PartitionIngest:
    """The state of one partition's run; `run()` drives it."""

    def __init__(
        self,
        client: Any,
        source: Source,
        partition: str,
        index: DocumentIndex,
        options: IngestOptions,
        progress: Callable[[IngestReport], None] | None,
    ) -> None:
        self.client, self.source, self.partition, self.index = client, source, partition, index
        self.options, self.progress = options, progress
        self.selector = selector_for(source)
        self.tagger = Tagger.build(source.tags, source.tag_regex)
        self.report = IngestReport(source.name, source.bucket, partition)
        self.batch: list[Document] = []
        self.to_delete: list[str] = []
        self.was_indexed: set[str] = set()  # keys being re-fetched that the index already holds
        self.last_progress = time.monotonic()

    # -- workers (pool threads): no index access here -------------------------------------------

    def _document(self, fetched: Fetched) -> Document:
        obj = fetched.obj
        return Document(
            source=self.source.name,
            bucket=self.source.bucket,
            key=obj.key,
            rel_path=obj.rel_path,
            partition=partition_of(obj.rel_path),
            size=fetched.size if fetched.size is not None else obj.size,
            etag=fetched.etag or obj.etag,
            last_modified=fetched.last_modified or obj.last_modified,
            content_type=fetched.content_type,
            version_id=fetched.version_id or obj.version_id,
            storage_class=fetched.storage_class or obj.storage_class,
            metadata=fetched.metadata,
            tags=self.tagger.tags_for(obj.key),
        )

    def _process(self, obj: ListedObject) -> tuple[Fetched, Document | None]:
        try:
            return self._fetch_and_extract(obj)
        except Exception as exc:  # a bug or a hostile object must not stop the other objects
            return Fetched(obj=obj, outcome=fetch_outcomes.FAILED, reason=type(exc).__name__), None

    def _fetch_and_extract(self, obj: ListedObject) -> tuple[Fetched, Document | None]:
        if obj.storage_class in ARCHIVED_STORAGE_CLASSES:
            fetched = Fetched(obj=obj, outcome=fetch_outcomes.ARCHIVED)
        else:
            # Known kinds, keys without an extension and generic ones (.bin): the bytes decide.
            want_body = worth_fetching(obj.key)
            fetched = fetch_object(
                self.client,
                self.source.bucket,
                obj,
                max_bytes=self.source.max_file_size,
                want_body=want_body,
            )
        if fetched.outcome == fetch_outcomes.OK:
            doc = self._document(fetched)
            if fetched.body is None:
                doc.status, doc.title = "metadata_only", obj.rel_path.rsplit("/", 1)[-1]
                ext = obj.key.rsplit(".", 1)[-1].lower() if _has_extension(obj.key) else None
                doc.reason = f"unsupported type: {'.' + ext if ext else fetched.content_type}"
                return fetched, doc
            result = shared_sandbox(
                self.source.extraction_timeout_seconds, self.source.max_file_size
            ).extract(fetched.body, obj.key, fetched.content_type, ocr=self.source.ocr)
            doc.status, doc.text, doc.reason = result.status, result.text, result.reason
            # What the document says about itself (author, dates, page count, kind) joins the
            # object's S3 user metadata, prefixed so neither overwrites the other.
            doc.metadata = {**doc.metadata, **{f"doc.{k}": v for k, v in result.properties.items()}}
            doc.title = result.title or obj.rel_path.rsplit("/", 1)[-1]
            fetched.body = None  # the text is all we keep; let the bytes go now
            return fetched, doc
        if fetched.outcome == fetch_outcomes.ARCHIVED:
            doc = self._document(fetched)
            doc.status, doc.title = "metadata_only", obj.rel_path.rsplit("/", 1)[-1]
            doc.reason = (
                f"archived ({obj.storage_class}): restore the object to index its text"
            )
            return fetched, doc
        return fetched, None

    # -- the calling thread: listing, bookkeeping and every index write ------------------------

    def _collect(self, future: Future[tuple[Fetched, Document | None]]) -> None:
        fetched, doc = future.result()
        report = self.report
        if fetched.request == "GET":
            report.get_requests += 1
        elif fetched.request == "HEAD":
            report.head_requests += 1
        if fetched.outcome == fetch_outcomes.OK:
            report.fetched += 1
            if fetched.request == "GET":
                report.bytes_fetched += fetched.size or 0
        if fetched.outcome in (fetch_outcomes.GONE, fetch_outcomes.TOO_LARGE):
            if fetched.outcome == fetch_outcomes.TOO_LARGE:
                report.skipped[SKIP_TOO_LARGE] += 1
            # Only a key the index holds has anything to delete: an object that vanished
            # before it was ever indexed deletes nothing.
            if fetched.obj.key in self.was_indexed:
                self.to_delete.append(fetched.obj.key)
        elif fetched.outcome == fetch_outcomes.ARCHIVED:
            report.skipped[SKIP_ARCHIVED] += 1
        elif fetched.outcome == fetch_outcomes.FAILED:
            report.failed.append((fetched.obj.key, fetched.reason or "failed"))
        if doc is not None:
            self.batch.append(doc)
            if len(report.documents) < TABLE_ROWS:
                report.documents.append(doc)
            if len(self.batch) >= self.options.batch_size:
                self._flush()
        self._maybe_progress()

    def _flush(self) -> None:
        if not self.batch:
            return
        self.index.upsert(self.batch)
        for doc in self.batch:
            if doc.status == "indexed":
                self.report.indexed += 1
            else:
                self.report.metadata_only += 1
        self.batch = []

    def _maybe_progress(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.progress and (force or now - self.last_progress >= 2.0):
            self.last_progress = now
            self.progress(self.report)

    def run(self) -> IngestReport:
        started = time.monotonic()
        source, report, options = self.source, self.report, self.options
        known_before = self.index.count(source.name, self.partition)
        limit_left = None
        if source.document_limit is not None:
            others = self.index.count(source.name) - known_before
            limit_left = max(0, source.document_limit - others)
        window = max(1, options.concurrency) * 2
        pending: set[Future[tuple[Fetched, Document | None]]] = set()
        pages = iter_partition_pages(
            self.client, source.bucket, source.prefix, self.partition, page_size=options.page_size
        )
        try:
            with ThreadPoolExecutor(max(1, options.concurrency), "s3-fetch") as pool:
                try:
                    previous: str | None = None
                    for objects, last in pages:
                        # Compare each page with the same key range of the index: memory stays
                        # one page wide, however many objects the partition holds.
                        upto = None if last else (objects[-1].key if objects else previous)
                        manifest = self.index.manifest_range(
                            source.name, previous, upto, partition=self.partition
                        )
                        for obj in objects:
                            report.listed += 1
                            reason = self.selector.skip_reason(obj)
                            over_limit = limit_left is not None and report.selected >= limit_left
                            if reason is None and over_limit:
                                reason = SKIP_DOCUMENT_LIMIT
                            if reason is not None:
                                report.skipped[reason] += 1
                                continue
                            report.selected += 1
                            entry = manifest.pop(obj.key, None)
                            if not options.full and not is_changed(obj, entry):
                                report.unchanged += 1
                                continue
                            if entry is not None:
                                self.was_indexed.add(obj.key)
                            pending.add(pool.submit(self._process, obj))
                            if len(pending) >= window:
                                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                                for future in done:
                                    self._collect(future)
                            self._maybe_progress()
                        # Indexed in this range but not selected in the bucket: gone.
                        self.to_delete.extend(manifest)
                        previous = upto
                finally:
                    # Whatever happened to the listing, what was fetched is still written.
                    for future in pending:
                        self._collect(future)
                    pending = set()
                    self._flush()
        except (ClientError, BotoCoreError) as exc:
            raise explain_for(exc, source) from None
        # Only now, with the listing complete, may anything be deleted.
        self._delete(known_before)
        # Replaces the partition's previous failure records: what succeeded now is cleared.
        self.index.record_failures(source.name, self.partition, report.failed)
        report.seconds = time.monotonic() - started
        self._maybe_progress(force=True)
        return report

    def run_keys(self, upserts: list[str], deletions: list[str]) -> IngestReport:
        """Bring just these keys in step, without listing the partition: what a sensor asks for
        when it already knows which keys changed. A deletion is confirmed with a HEAD first (an
        event may be stale), and a key that turns out to exist is fetched instead."""
        started = time.monotonic()
        source, report, options = self.source, self.report, self.options
        report.mode = "keys"
        known_before = self.index.count(source.name, self.partition)
        entries = self.index.entries(source.name, [*upserts, *deletions])
        epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)

        def listed(key: str) -> ListedObject:
            return ListedObject(key, key[len(source.prefix) :], 0, "", epoch)

        def confirm(key: str) -> Fetched:
            return fetch_object(
                self.client, source.bucket, listed(key), max_bytes=0, want_body=False
            )

        try:
            with ThreadPoolExecutor(max(1, options.concurrency), "s3-fetch") as pool:
                try:
                    exists = []
                    for head in pool.map(confirm, deletions):
                        report.head_requests += 1
                        key = head.obj.key
                        if head.outcome == fetch_outcomes.GONE:
                            if key in entries:
                                self.to_delete.append(key)
                        elif head.outcome == fetch_outcomes.FAILED:
                            # Cannot tell whether it is gone: keep what the index has.
                            report.failed.append((key, head.reason or "failed"))
                        else:
                            exists.append(key)
                    pending = set()
                    for key in [*upserts, *exists]:
                        obj = listed(key)
                        report.selected += 1
                        reason = self.selector.skip_reason(obj)
                        if reason is not None:
                            report.skipped[reason] += 1
                            if key in entries:
                                self.to_delete.append(key)
                            continue
                        if key in entries:
                            self.was_indexed.add(key)
                        pending.add(pool.submit(self._process, obj))
                    for future in pending:
                        self._collect(future)
                finally:
                    self._flush()
        except (ClientError, BotoCoreError) as exc:
            raise explain_for(exc, source) from None
        self._delete(known_before)
        self.index.record_failures(source.name, self.partition, report.failed,
                                   only_keys=[*upserts, *deletions])
        report.seconds = time.monotonic() - started
        self._maybe_progress(force=True)
        return report

    def _delete(self, known_before: int) -> None:
        if not self.to_delete:
            return
        options, count = self.options, len(self.to_delete)
        if (
            not options.force_delete
            and count >= options.delete_guard_min
            and count > options.max_delete_share * known_before
        ):
            self.report.deletions_held = count
            raise DeleteGuardError(
                f"source {self.source.name!r} partition {self.partition!r}: this run would delete "
                f"{count} of {known_before} indexed documents (more than "
                f"{options.max_delete_share:.0%}); nothing was deleted. If the objects really "
                "are gone, run again with force_delete."
            )
        self.report.deleted = self.index.delete(self.source.name, self.to_delete)


def ingest_keys(
    client: Any,
    source: Source,
    partition: str,
    index: DocumentIndex,
    upserts: list[str],
    deletions: list[str],
    options: IngestOptions | None = None,
    progress: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Bring the given keys of one partition in step, without listing it (see run_keys)."""
    run = _PartitionIngest(client, source, partition, index, options or IngestOptions(), progress)
    return run.run_keys(upserts, deletions)


def ingest_partition(
    client: Any,
    source: Source,
    partition: str,
    index: DocumentIndex,
    options: IngestOptions | None = None,
    progress: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Bring one partition of the index in step with the bucket; returns what was done.

    Raises SourceError when the source cannot be listed (nothing is deleted then), and
    DeleteGuardError when too much would be deleted (the upserts of the run are kept).
    """
    return _PartitionIngest(client, source, partition, index, options or IngestOptions(), progress).run()


__all__ = [
    "DeleteGuardError",
    "IngestOptions",
    "IngestReport",
    "SourceError",
    "ingest_keys",
    "ingest_partition",
    "selector_for",
]
