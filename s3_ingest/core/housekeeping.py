"""Remove what the configuration no longer covers: documents of sources that were removed, of
prefixes that were removed, and keys outside a source's (changed) prefix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from s3_ingest.core.index.base import DocumentIndex
from s3_ingest.core.sources import Source


@dataclass
class PruneReport:
    removed_sources: dict[str, int] = field(default_factory=dict)
    removed_partitions: dict[str, int] = field(default_factory=dict)  # "source partition" -> n
    outside_prefix: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.removed_sources.values()) + sum(self.removed_partitions.values()) + sum(
            self.outside_prefix.values()
        )


def prune(
    index: DocumentIndex,
    sources: Sequence[Source],
    registered_partitions: Mapping[str, set[str]] | None = None,
    *,
    dry_run: bool = False,
) -> PruneReport:
    """Delete (or with dry_run, only count) documents no configured source or partition covers.

    `registered_partitions` (source -> partition keys) comes from Dagster's dynamic partitions;
    without it, partitions are left alone.
    """
    report = PruneReport()
    configured = {source.name: source for source in sources}
    for name, count in index.sources().items():
        if name not in configured:
            report.removed_sources[name] = count if dry_run else index.delete_source(name)
    for source in sources:
        if source.prefix:
            outside = [
                key for key in index.manifest(source.name) if not key.startswith(source.prefix)
            ]
            if outside:
                report.outside_prefix[source.name] = (
                    len(outside) if dry_run else index.delete(source.name, outside)
                )
        if registered_partitions is None or source.name not in registered_partitions:
            continue
        for partition, count in index.partitions(source.name).items():
            if partition not in registered_partitions[source.name]:
                removed = count if dry_run else index.delete_source(source.name, partition)
                report.removed_partitions[f"{source.name} {partition}"] = removed
    return report
