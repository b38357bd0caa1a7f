"""`document_limit: N` - one rule, wherever it is applied: a source's documents are the first N
selected keys of its listing, in key order.

The scan walks the whole source in key order and counts; a run or a drift check that lists one
partition ranks its keys against the index (PartitionLimit); a run for a scan's changes takes
the scan's word; an event-named key is ranked by the documents before it in the index. Once the
index is in step they all agree, so nothing flip-flops between modes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.selection import SKIP_DOCUMENT_LIMIT, Selector


@dataclass
class LimitedSelector:
    selector: Selector
    limit: int | None
    selected: int = 0  # selected keys seen so far in key order (a resumed scan starts past 0)

    def skip_reason(self, obj: ListedObject) -> str | None:
        reason = self.selector.skip_reason(obj)
        if reason is not None or self.limit is None:
            return reason
        if self.selected >= self.limit:
            return SKIP_DOCUMENT_LIMIT
        self.selected += 1
        return None


@dataclass
class PartitionLimit:
    """The same rule for a run that lists one partition: a key's rank is the number of the
    source's other documents before it in the index (in step, those are exactly the selected
    keys before it) plus the partition's own selected keys before it. A folder partition's
    keys are contiguous in key order, so one count serves them all; the root partition's keys
    sit between folders, so each is counted - until the limit is reached, after which every
    later key is out anyway."""

    selector: Selector
    limit: int | None
    others_before: Callable[[str], int]
    contiguous: bool
    selected: int = 0
    _others: int | None = None
    _full: bool = False

    def skip_reason(self, obj: ListedObject) -> str | None:
        reason = self.selector.skip_reason(obj)
        if reason is not None or self.limit is None:
            return reason
        if self._full:
            return SKIP_DOCUMENT_LIMIT
        if self._others is None or not self.contiguous:
            self._others = self.others_before(obj.key)
        if self._others + self.selected >= self.limit:
            self._full = True
            return SKIP_DOCUMENT_LIMIT
        self.selected += 1
        return None
