"""`document_limit: N` - one rule: a source's documents are the first N selected keys of its
listing, in key order (code point order, as S3 lists).

The rule is one value, the source's Cutoff: the N-th selected key. A key is in when it sorts at or
before it (or when the source has fewer than N selected keys). Every path asks `Cutoff.admits`:

- the scan walks the whole source in key order and counts (LimitCount) - its walk is the listing;
- a run that lists (a backfill, `sync --prefix`, `full`, too many changes to name) and the drift
  check walk the source's listing from its start (`listing_cutoff`) until they have counted N
  selected keys or passed the keys they need to rank, so a run for `b/` knows `a/`'s keys even
  when none of them is indexed yet;
- a run for keys named by S3 events lists nothing: its cutoff is the index's own (the N-th key the
  index holds), which in step is the same key.

A cutoff read before a run's writes can be stale (objects come and go meanwhile, and other runs
write at once), so the index applies the same rule again inside every write transaction
(`SqlIndex.upsert(..., document_limit=N)`): after the write, the source keeps only its first N
keys. No moment a search can see has more than N documents of a source, and a key written by a
later partition run displaces the keys after it, whatever order partitions run in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.plan.selection import SKIP_DOCUMENT_LIMIT, Selector, selector_for
from s3_ingest.core.s3.listing import iter_objects
from s3_ingest.core.s3.partition_keys import ROOT_PARTITION, decode_partition


@dataclass(frozen=True)
class Cutoff:
    """The last key a source's document_limit lets in; None when every selected key is in
    (no limit, or fewer selected keys than the limit - as far as the cutoff's maker looked)."""

    last_key: str | None = None

    def admits(self, key: str) -> bool:
        return self.last_key is None or key <= self.last_key


@dataclass
class LimitCount:
    """The rule fed objects in key order from the source's start: selected keys are counted, and
    once N are counted every later key is past the limit."""

    selector: Selector
    limit: int | None
    selected: int = 0  # selected keys seen so far (a resumed scan starts past 0)
    last_key: str | None = None  # the N-th selected key, once counted

    @property
    def full(self) -> bool:
        return self.limit is not None and self.selected >= self.limit

    @property
    def cutoff(self) -> Cutoff:
        return Cutoff(self.last_key if self.full else None)

    def skip_reason(self, obj: ListedObject) -> str | None:
        reason = self.selector.skip_reason(obj)
        if reason is not None or self.limit is None:
            return reason
        if self.full:
            return SKIP_DOCUMENT_LIMIT
        self.selected += 1
        if self.full:
            self.last_key = obj.key
        return None


@dataclass(frozen=True)
class CutoffSelector:
    """A source's selection rules and its cutoff: the skip reason of any key, in any order."""

    selector: Selector
    cutoff: Cutoff

    def skip_reason(self, obj: ListedObject) -> str | None:
        reason = self.selector.skip_reason(obj)
        if reason is None and not self.cutoff.admits(obj.key):
            return SKIP_DOCUMENT_LIMIT
        return reason


def listing_cutoff(client: Any, source: Any, partition: str | None = None,
                   page_size: int = 1000) -> Cutoff:
    """The source's cutoff as its listing says now: walk from the source's start until N selected
    keys are counted - or, for a folder partition, until the walk is past the folder (nothing
    in it is over the limit then). No limit: nothing is listed."""
    count = LimitCount(selector_for(source), source.document_limit)
    if count.limit is None:
        return Cutoff()
    folder = (source.prefix + decode_partition(partition)
              if partition not in (None, ROOT_PARTITION) else None)
    for obj in iter_objects(client, source.bucket, source.prefix, page_size=page_size):
        if folder is not None and obj.key > folder and not obj.key.startswith(folder):
            return Cutoff()
        count.skip_reason(obj)
        if count.full:
            return count.cutoff
    return Cutoff()


def index_cutoff(index: Any, source: Any) -> Cutoff:
    """The cutoff as the index holds it: its N-th key of the source (a run that lists nothing)."""
    if source.document_limit is None:
        return Cutoff()
    return Cutoff(index.nth_key(source.name, source.document_limit))

