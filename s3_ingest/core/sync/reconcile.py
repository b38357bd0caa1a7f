"""Compare one partition of the index with the bucket: what is missing, orphaned or stale."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from s3_ingest.core.index.base import DocumentIndex
from s3_ingest.core.plan.change_scan import is_changed
from s3_ingest.core.s3.listing import iter_partition_pages
from s3_ingest.core.sources.model import Source
from s3_ingest.core.sync.plan_pages import partition_selector

SAMPLE = 20


@dataclass
class Drift:
    listed: int = 0
    indexed: int = 0
    missing: list[str] = field(default_factory=list)  # selected in the bucket, not in the index
    orphaned: list[str] = field(default_factory=list)  # in the index, not (selected) in the bucket
    stale: list[str] = field(default_factory=list)  # in both, but the bucket's is newer

    @property
    def in_step(self) -> bool:
        return not (self.missing or self.orphaned or self.stale)


def partition_drift(client: Any, source: Source, partition: str, index: DocumentIndex) -> Drift:
    """Objects past the source's document_limit are not counted missing: the limit keeps them out."""
    drift = Drift(indexed=index.count(source.name, partition))
    selector = partition_selector(client, source, partition)
    previous = None
    # Page by page against the same key range of the index: memory stays one page wide.
    for objects, last in iter_partition_pages(client, source.bucket, source.prefix, partition):
        upto = None if last else (objects[-1].key if objects else previous)
        manifest = index.manifest_range(source.name, previous, upto, partition=partition)
        for obj in objects:
            drift.listed += 1
            if selector.skip_reason(obj) is not None:
                continue  # past the limit too: not missing, and orphaned if indexed
            entry = manifest.pop(obj.key, None)
            if entry is None:
                drift.missing.append(obj.key)
            elif is_changed(obj, entry):
                drift.stale.append(obj.key)
        drift.orphaned.extend(sorted(manifest))
        previous = upto
    return drift
