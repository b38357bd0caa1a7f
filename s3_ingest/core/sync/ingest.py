"""The ingest executor: bring one partition of the index in step with what a plan says.

Every run - a listing, a sensor's changed objects, an S3 event's keys, a backfill, `full` - is
this one loop over the pages of its plan (plan_pages.py): select, compare with the index, fetch
and extract what changed on a bounded pool of workers, write in batches from the calling thread
only, delete what is gone. Memory is bounded by the pool's in-flight window and the batch size.

Safety rules:
- unchanged objects (same etag, size, last-modified, version) cost no GET and no write;
- archived objects are never fetched (unless the listing says a restored copy is readable):
  their document is the listing's metadata;
- a body is indexed only whole (see s3/fetch.py); a failure that may pass is tried again;
- a listing that fails or ends early deletes nothing;
- an object that fails to fetch keeps whatever the index already had for it;
- a run that would delete more than `max_delete_share` of a partition stops and reports instead.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace, dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from s3_ingest.core.documents import Document, ListedObject
from s3_ingest.core.extraction import worth_fetching
from s3_ingest.core.extraction.media_types import detected_media_type, named_media_type
from s3_ingest.core.index.base import DocumentIndex
from s3_ingest.core.plan.change_scan import is_changed
from s3_ingest.core.plan.partition_plan import PartitionPlan
from s3_ingest.core.plan.selection import SKIP_TOO_LARGE, selector_for
from s3_ingest.core.s3 import fetch as outcomes
from s3_ingest.core.s3.content_encoding import EncodingRefused, decoded
from s3_ingest.core.s3.errors import SourceError, explain_for
from s3_ingest.core.s3.fetch import Fetched, fetch_object
from s3_ingest.core.s3.partition_keys import partition_of
from s3_ingest.core.sources.model import Source, compile_tag_regex
from s3_ingest.core.stage_cpu import StageCpu, WorkerCpu
from s3_ingest.core.sync.ingest_report import IngestOptions, IngestReport
from s3_ingest.core.sync.parser_pool import shared_sandbox, worker_pids
from s3_ingest.core.sync.plan_pages import Page, plan_pages

ARCHIVED_STORAGE_CLASSES = frozenset({"GLACIER", "DEEP_ARCHIVE"})
SKIP_ARCHIVED = "archived"
TABLE_ROWS = 25


# Tags for a document: a source's static tags, plus the named groups of its tag_regex.
@dataclass(frozen=True)
class Tagger:
    static: dict[str, str] = field(default_factory=dict)
    pattern: Any = None  # an RE2 pattern

    @classmethod
    def build(cls, static: dict[str, str], tag_regex: str | None) -> Tagger:
        return cls(dict(static), compile_tag_regex(tag_regex) if tag_regex else None)

    def tags_for(self, key: str) -> dict[str, str]:
        """Static tags, then the regex's named groups (searched in the full key) on top; a group
        that did not take part in the match adds no tag."""
        tags = dict(self.static)
        if self.pattern is not None:
            match = self.pattern.search(key)
            if match:
                tags.update({k: v for k, v in match.groupdict().items() if v is not None})
        return tags


class DeleteGuardError(RuntimeError):
    """A run would delete too large a share of a partition; nothing was deleted."""


def _has_extension(key: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    return "." in name.strip(".")


def _name(obj: ListedObject) -> str:
    return obj.rel_path.rsplit("/", 1)[-1]


class _FetchWindow:
    """At most `size` fetches in flight; each finished one is collected on the calling thread
    in the order they finish. A queue the workers' futures report to costs the same whatever
    the window's size (`wait(FIRST_COMPLETED)` over the window installed and removed a waiter
    on every pending future for each one collected)."""

    def __init__(self, pool: ThreadPoolExecutor, work: Callable[[ListedObject], Any],
                 collect: Callable[[Future], None], size: int) -> None:
        self.pool, self.work, self.collect, self.size = pool, work, collect, size
        self.finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
        self.in_flight = 0

    def submit(self, obj: ListedObject) -> None:
        self.pool.submit(self.work, obj).add_done_callback(self.finished.put)
        self.in_flight += 1
        if self.in_flight >= self.size:
            self._collect_one()

    def drain(self) -> None:
        while self.in_flight:
            self._collect_one()

    def _collect_one(self) -> None:
        future = self.finished.get()
        self.in_flight -= 1
        self.collect(future)


class _PartitionIngest:
    """The state of one partition's run; `execute()` drives it."""

    def __init__(self, client: Any, source: Source, partition: str, index: DocumentIndex,
                 options: IngestOptions, progress: Callable[[IngestReport], None] | None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.client, self.source, self.partition, self.index = client, source, partition, index
        self.options, self.progress, self.sleep = options, progress, sleep
        self.tagger = Tagger.build(source.tags, source.tag_regex)
        self.report = IngestReport(source.name, source.bucket, partition)
        self.batch: list[Document] = []
        self.batch_chars = 0
        self.to_delete: list[str] = []
        self.was_indexed: set[str] = set()  # keys being re-fetched that the index already holds
        self.unchanged_refetched: set[str] = set()  # a `full` run's: neither added nor modified
        self.named: list[str] = []  # the keys a plan's pages named (its failures' scope)
        self.last_progress = time.monotonic()
        self.cpu = StageCpu()

    # -- workers (pool threads): no index access here -------------------------------------------

    def _document(self, fetched: Fetched, status: str, reason: str | None = None) -> Document:
        obj = fetched.obj
        return Document(
            source=self.source.name, bucket=self.source.bucket, key=obj.key,
            rel_path=obj.rel_path, partition=partition_of(obj.rel_path),
            size=fetched.size if fetched.size is not None else obj.size,
            etag=fetched.etag or obj.etag,
            last_modified=fetched.last_modified or obj.last_modified,
            content_type=fetched.content_type, version_id=fetched.version_id or obj.version_id,
            storage_class=fetched.storage_class or obj.storage_class,
            metadata=fetched.metadata, tags=self.tagger.tags_for(obj.key),
            title=_name(obj), status=status, reason=reason,
            # Unfetched (archived, never extracted): what the name says; replaced below by
            # what the bytes say when there are any.
            detected_type=named_media_type(obj.key, fetched.content_type),
        )

    def _process(self, obj: ListedObject) -> tuple[Fetched, Document | None, int]:
        """Fetch and extract one object, trying again while its failure may pass."""
        retries = 0
        while True:
            try:
                with self.cpu.stage("fetch"):
                    fetched, doc = self._fetch_and_extract(obj)
            except Exception as exc:  # a bug or a hostile object must not stop the others
                fetched, doc = Fetched(obj, outcomes.FAILED, reason=type(exc).__name__), None
            if not fetched.transient or retries + 1 >= self.options.attempts:
                return fetched, doc, retries
            self.sleep(self.options.backoff_s * 2 ** retries)
            retries += 1

    def _fetch_and_extract(self, obj: ListedObject) -> tuple[Fetched, Document | None]:
        if obj.storage_class in ARCHIVED_STORAGE_CLASSES and not obj.restored:
            fetched = Fetched(obj=obj, outcome=outcomes.ARCHIVED)
            return fetched, self._document(
                fetched, "metadata_only",
                f"archived ({obj.storage_class}): restore the object to index its text")
        # Known kinds, keys without an extension and generic ones (.bin): the bytes decide.
        fetched = fetch_object(self.client, self.source.bucket, obj,
                               max_bytes=self.source.max_file_size,
                               want_body=worth_fetching(obj.key))
        if fetched.outcome == outcomes.ARCHIVED:
            return fetched, self._document(fetched, "metadata_only", fetched.reason)
        if fetched.outcome != outcomes.OK:
            return fetched, None
        if fetched.body is None:
            ext = obj.key.rsplit(".", 1)[-1].lower() if _has_extension(obj.key) else None
            return fetched, self._document(
                fetched, "metadata_only",
                f"unsupported type: {'.' + ext if ext else fetched.content_type}")
        try:
            body = decoded(fetched.body, fetched.content_encoding, self.source.max_file_size)
        except EncodingRefused as exc:
            return fetched, self._document(fetched, "metadata_only", str(exc))
        fetched.body = None  # the text is all we keep; let the bytes go now
        with self.cpu.stage("extract"):
            result = shared_sandbox(
                self.source.extraction_timeout_seconds, self.source.max_file_size
            ).extract(body, obj.key, fetched.content_type, ocr=self.source.ocr)
        doc = self._document(fetched, result.status, result.reason)
        doc.text, doc.title = result.text, result.title or doc.title
        doc.detected_type = detected_media_type(body, obj.key, fetched.content_type)
        # What the document says about itself (author, dates, page count, kind) joins the
        # object's S3 user metadata, prefixed so neither overwrites the other.
        doc.metadata = {**doc.metadata, **{f"doc.{k}": v for k, v in result.properties.items()}}
        return fetched, doc

    # -- the calling thread: pages, bookkeeping and every index write --------------------------

    def _collect(self, future: Future[tuple[Fetched, Document | None, int]]) -> None:
        fetched, doc, retries = future.result()
        report = self.report
        report.retries += retries
        if fetched.request == "GET":
            report.get_requests += 1 + retries
        elif fetched.request == "HEAD":
            report.head_requests += 1 + retries
        if fetched.outcome == outcomes.OK:
            report.fetched += 1
            if fetched.request == "GET":
                report.bytes_fetched += fetched.size or 0
        if fetched.outcome in (outcomes.GONE, outcomes.TOO_LARGE):
            if fetched.outcome == outcomes.TOO_LARGE:
                report.skipped[SKIP_TOO_LARGE] += 1
            # Only a key the index holds has anything to delete: an object that vanished
            # before it was ever indexed deletes nothing.
            if fetched.obj.key in self.was_indexed:
                self.to_delete.append(fetched.obj.key)
        elif fetched.outcome == outcomes.ARCHIVED:
            report.skipped[SKIP_ARCHIVED] += 1
        elif fetched.outcome == outcomes.FAILED:
            report.failed.append((fetched.obj.key, fetched.reason or "failed"))
            if fetched.transient:
                report.transient.add(fetched.obj.key)
        if doc is not None:
            key = fetched.obj.key
            if key not in self.was_indexed:
                report.added.append(key)
            elif key not in self.unchanged_refetched:
                report.modified.append(key)
            self.batch.append(doc)
            self.batch_chars += len(doc.text or "")
            if len(report.documents) < TABLE_ROWS:  # the run's table: no text, held all run
                report.documents.append(replace(doc, text=None))
            if (len(self.batch) >= self.options.batch_size
                    or self.batch_chars >= self.options.batch_chars):
                self._flush()
        self._maybe_progress()

    def _flush(self) -> None:
        if not self.batch:
            return
        with self.cpu.stage("index"):
            self.index.upsert(self.batch, document_limit=self.source.document_limit)
        for doc in self.batch:
            if doc.status == "indexed":
                self.report.indexed += 1
            else:
                self.report.metadata_only += 1
        self.batch, self.batch_chars = [], 0

    def _maybe_progress(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.progress and (force or now - self.last_progress >= 2.0):
            self.last_progress = now
            self.progress(self.report)

    def _page(self, page: Page, window: _FetchWindow) -> None:
        report = self.report
        report.head_requests += page.heads
        self.named.extend(page.named)
        report.failed.extend(page.failed)
        for obj, reason in page.objects:
            report.listed += 1 if page.listed else 0
            if reason is not None:
                report.skipped[reason] += 1
                continue  # if indexed, it stays in the manifest: gone below, or a plan's drop
            report.selected += 1
            entry = page.manifest.pop(obj.key, None)
            if not self.options.full and not is_changed(obj, entry):
                report.unchanged += 1
                continue
            if entry is not None:
                self.was_indexed.add(obj.key)
                if not is_changed(obj, entry):
                    self.unchanged_refetched.add(obj.key)
            with self.cpu.stage("fetch"):  # handing out and collecting fetches is fetch's
                window.submit(obj)
            self._maybe_progress()
        if page.unlisted_are_gone:  # indexed in this range but not selected in the bucket
            self.to_delete.extend(page.manifest)
        self.to_delete.extend(page.gone)

    def execute(self, plan: PartitionPlan) -> IngestReport:
        started, workers = time.monotonic(), WorkerCpu(worker_pids)
        source, report, options = self.source, self.report, self.options
        known_before = self.index.count(source.name, self.partition)
        if not plan.listing:
            report.mode = "changes"
            report.listed, report.unchanged = plan.counts.listed, plan.counts.unchanged
            report.selected = plan.counts.unchanged
            report.skipped.update(plan.counts.skipped)
        try:
            with ThreadPoolExecutor(max(1, options.concurrency), "s3-fetch") as pool:
                window = _FetchWindow(pool, self._process, self._collect,
                                      max(1, options.concurrency) * 2)
                try:
                    pages = plan_pages(self.client, source, plan, self.index, pool,
                                       options.page_size, self.cpu)
                    for page in pages:
                        with self.cpu.stage("diff"):  # the index writes within are index's
                            self._page(page, window)
                finally:
                    # Whatever happened to the listing, what was fetched is still written.
                    with self.cpu.stage("fetch"):
                        window.drain()
                        self._flush()
        except (ClientError, BotoCoreError) as exc:
            raise explain_for(exc, source) from None
        with self.cpu.stage("index"):
            # Only now, with the listing complete, may anything be deleted.
            self._delete(known_before)
            # Replaces the failure records of what this run looked at: what succeeded is cleared.
            self.index.record_failures(source.name, self.partition, report.failed,
                                       only_keys=None if plan.listing else self.named)
        self.cpu.add("extract", workers.seconds())
        report.seconds, report.cpu = time.monotonic() - started, self.cpu.totals()
        self._maybe_progress(force=True)
        return report

    def _delete(self, known_before: int) -> None:
        if not self.to_delete:
            return
        options, count = self.options, len(self.to_delete)
        if (not options.force_delete and count >= options.delete_guard_min
                and count > options.max_delete_share * known_before):
            self.report.deletions_held = count
            raise DeleteGuardError(
                f"source {self.source.name!r} partition {self.partition!r}: this run would delete "
                f"{count} of {known_before} indexed documents (more than "
                f"{options.max_delete_share:.0%}); nothing was deleted. If the objects really "
                "are gone, run again with force_delete."
            )
        self.report.deleted = self.index.delete(self.source.name, self.to_delete)
        self.report.deleted_keys = list(dict.fromkeys(self.to_delete))


def ingest(client: Any, source: Source, plan: PartitionPlan, index: DocumentIndex,
           options: IngestOptions | None = None,
           progress: Callable[[IngestReport], None] | None = None) -> IngestReport:
    """Bring one partition of the index in step as `plan` says; returns what was done.

    Raises SourceError when the source cannot be listed (nothing is deleted then), and
    DeleteGuardError when too much would be deleted (the upserts of the run are kept).
    """
    run = _PartitionIngest(client, source, plan.partition, index,
                           options or IngestOptions(), progress)
    return run.execute(plan)


def ingest_partition(client: Any, source: Source, partition: str, index: DocumentIndex,
                     options: IngestOptions | None = None,
                     progress: Callable[[IngestReport], None] | None = None) -> IngestReport:
    """List one partition and bring it in step (the plan of a backfill)."""
    return ingest(client, source, PartitionPlan.list_whole(partition), index, options, progress)


__all__ = [
    "DeleteGuardError",
    "IngestOptions",
    "IngestReport",
    "SourceError",
    "ingest",
    "ingest_partition",
    "selector_for",
]
