"""Turn a plan into pages for the executor: each page is some listed objects (each with its
skip reason, None when selected), the index entries they are compared with, and what the page
says is gone.

A listing plan walks the partition page by page and compares each page with the same key range
of the index (memory stays one page wide); an indexed key of that range that was not listed is
gone. With a document_limit the run first walks the source's listing from its start for the
cutoff (plan/document_limit.py), so whether a key is in is the same as the scan says, whatever the
index holds yet. A plan that names objects is one page:
the objects as the scan listed them, the event-named keys and the deletions HEADed first. A
spilled plan (plan/plan_spill.py) is read a page at a time, each page such a plan.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.index.base import DocumentIndex, ManifestEntry
from s3_ingest.core.plan.document_limit import (
    Cutoff, CutoffSelector, index_cutoff, listing_cutoff,
)
from s3_ingest.core.plan.partition_plan import PartitionPlan
from s3_ingest.core.plan.plan_spill import spilled_plans
from s3_ingest.core.plan.selection import selector_for
from s3_ingest.core.s3 import fetch as outcomes
from s3_ingest.core.s3.fetch import head_object
from s3_ingest.core.s3.listing import iter_partition_pages
from s3_ingest.core.sources.model import Source
from s3_ingest.core.stage_cpu import StageCpu


@dataclass
class Page:
    objects: list[tuple[ListedObject, str | None]]
    manifest: dict[str, ManifestEntry]
    unlisted_are_gone: bool  # a listing: indexed keys of the range not listed are gone
    gone: list[str] = field(default_factory=list)  # indexed keys to remove
    failed: list[tuple[str, str]] = field(default_factory=list)  # could not tell: keep
    listed: bool = True  # the objects were listed by this sync (not HEADed)
    heads: int = 0
    named: list[str] = field(default_factory=list)  # the keys a plan's page names


def partition_selector(client: Any, source: Source, partition: str) -> CutoffSelector:
    """The selection rules of a run or a drift check that lists `partition`."""
    return CutoffSelector(selector_for(source), listing_cutoff(client, source, partition))


def listing_pages(
    client: Any, source: Source, partition: str, index: DocumentIndex, page_size: int,
    cpu: StageCpu | None = None,
) -> Iterator[Page]:
    cpu = cpu or StageCpu()
    with cpu.stage("list"):
        selector = partition_selector(client, source, partition)
    previous: str | None = None
    pages = iter_partition_pages(client, source.bucket, source.prefix, partition,
                                 page_size=page_size)
    for objects, last in cpu.timed(pages, "list"):
        with cpu.stage("diff"):
            upto = None if last else (objects[-1].key if objects else previous)
            manifest = index.manifest_range(source.name, previous, upto, partition=partition)
            page = Page([(obj, selector.skip_reason(obj)) for obj in objects], manifest,
                        unlisted_are_gone=True)
        yield page
        previous = upto


def plan_pages(
    client: Any, source: Source, plan: PartitionPlan, index: DocumentIndex, pool: Executor,
    page_size: int, cpu: StageCpu,
) -> Iterator[Page]:
    """The pages of any plan: a listing's, a spill file's, or the one page of a named plan."""
    if plan.listing:
        yield from listing_pages(client, source, plan.partition, index, page_size, cpu)
    elif plan.spill:
        for part in spilled_plans(plan, source.prefix, page_size):
            yield planned_page(client, source, part, index, pool, cpu)
    else:
        yield planned_page(client, source, plan, index, pool, cpu)


def planned_page(
    client: Any, source: Source, plan: PartitionPlan, index: DocumentIndex, pool: Executor,
    cpu: StageCpu | None = None,
) -> Page:
    """The plan's objects; its event-named keys and deletions HEADed first (a stale event
    never removes a live object, and a live one is treated as listed)."""
    cpu = cpu or StageCpu()
    with cpu.stage("diff"):
        return _planned_page(client, source, plan, index, pool, cpu)


def _planned_page(
    client: Any, source: Source, plan: PartitionPlan, index: DocumentIndex, pool: Executor,
    cpu: StageCpu,
) -> Page:
    entries = index.entries(source.name, plan.named)
    page = Page([], entries, unlisted_are_gone=False, listed=False, named=plan.named)
    objects = list(plan.objects)

    def head_of(key: str) -> Any:  # a HEAD stands in for the listing of a key an event named
        with cpu.stage("list"):
            return head_object(client, source, key)

    heads = list(pool.map(head_of, plan.keys + plan.deletions))
    page.heads = len(heads)
    for head in heads:
        if head.outcome == outcomes.OK:
            objects.append(head.obj)
        elif head.outcome == outcomes.GONE:
            if head.obj.key in entries:
                page.gone.append(head.obj.key)
        else:
            page.failed.append((head.obj.key, head.reason or "failed"))
    page.gone.extend(key for key in plan.drops if key in entries)
    # The scan's objects were ranked by its walk; keys named by an event, never listed, by the
    # index's cutoff - and the write applies the rule again either way.
    selector = CutoffSelector(selector_for(source), index_cutoff(index, source)
                              if plan.keys else Cutoff())
    page.objects = [(obj, selector.skip_reason(obj)) for obj in sorted(objects, key=_key)]
    # A key the plan names that turned out not selected (past the limit, too large, ...) and
    # that the index holds is dropped, like a listing's.
    page.gone.extend(obj.key for obj, reason in page.objects
                     if reason is not None and obj.key in entries and obj.key not in plan.drops)
    return page


def _key(obj: ListedObject) -> str:
    return obj.key
