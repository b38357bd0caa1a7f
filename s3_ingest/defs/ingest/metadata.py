"""What a materialization shows in the UI: counts with labels in words, sizes and durations a
person reads at a glance, the documents written (title, status, reason) and a summary.

Built from Dagster's typed metadata values (dagster-pandas would pin pandas below 3 and drag
Dagster back to 1.12). The command line reads the counts back through `counts_of`, by the same
labels, so the UI and the terminal say the same thing.
"""

from __future__ import annotations

from typing import Any

from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

from s3_ingest.core.sync.ingest import IngestReport

# Report field -> label shown in the UI (and read back by the command line).
COUNT_LABELS = {
    "listed": "Listed", "selected": "Selected", "unchanged": "Unchanged", "fetched": "Fetched",
    "indexed": "Indexed", "metadata_only": "Metadata only", "deleted": "Deleted",
    "failed": "Failed", "failed_transient": "Failed, may pass", "retries": "Retries",
    "get_requests": "GET requests", "head_requests": "HEAD requests",
}
SKIPPED_LABEL = "Skipped"
CPU_LABEL = "CPU seconds by stage"
SKIP_PREFIX = "Skipped: "
_DOC_SCHEMA = TableSchema(columns=[
    TableColumn("key", "string"), TableColumn("title", "string"),
    TableColumn("status", "string"), TableColumn("reason", "string"),
    TableColumn("size", "string"), TableColumn("content_type", "string"),
    TableColumn("tags", "string"),
])
MAX_FAILED_LISTED = 50
CHANGED_LABEL = "Changed keys"
# Keys of each kind a run's metadata carries (and `sync --json` prints); past it, a count of
# the rest. A first sync of a large partition would otherwise put every key in the event log.
MAX_CHANGED_KEYS = 10_000


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n} B"


def human_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s"


def _reason_words(reason: str) -> str:
    return reason.replace("_", " ")


def _summary(report: IngestReport, partition_total: int, source_total: int) -> str:
    skipped = ", ".join(f"{_reason_words(k)} {v}" for k, v in sorted(report.skipped.items()))
    how = "the changes a scan named" if report.mode == "changes" else "listed whole"
    changed = report.written + report.deleted + len(report.failed)
    lines = [f"### {report.source} / `{report.partition}` ({how})", ""]
    if not changed:
        lines.append(f"**Nothing changed**: {partition_total} documents in this partition, "
                     f"{source_total} in the source.")
    else:
        lines += [
            "| listed | selected | unchanged | fetched | indexed | metadata only | deleted "
            "| failed |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {report.listed} | {report.selected} | {report.unchanged} | {report.fetched} | "
            f"{report.indexed} | {report.metadata_only} | {report.deleted} | "
            f"{len(report.failed)} |",
            "",
            f"The partition now holds {partition_total} documents; the source {source_total}.",
        ]
    lines += ["", f"Skipped: {skipped or 'none'}. {human_size(report.bytes_fetched)} fetched in "
              f"{human_seconds(report.seconds)}."]
    if report.failed:
        lines += ["", "**Failed objects**", ""]
        lines += [f"- `{key}`: {reason}" + (" (may pass)" if key in report.transient else "")
                  for key, reason in report.failed[:MAX_FAILED_LISTED]]
    return "\n".join(lines)


def _documents_table(report: IngestReport) -> Any:
    return MetadataValue.table(
        records=[
            TableRecord({
                "key": doc.key, "title": doc.title or "", "status": doc.status.replace("_", " "),
                "reason": doc.reason or "", "size": human_size(doc.size),
                "content_type": doc.content_type or "",
                "tags": ", ".join(f"{k}={v}" for k, v in sorted(doc.tags.items())),
            })
            for doc in report.documents
        ],
        schema=_DOC_SCHEMA,
    )


def _count(report: IngestReport, field: str) -> int:
    if field == "failed":
        return len(report.failed)
    if field == "failed_transient":
        return len(report.transient)
    return int(getattr(report, field))


def report_metadata(report: IngestReport, partition_total: int, source_total: int
                    ) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "Mode": MetadataValue.text(report.mode),
        **{label: MetadataValue.int(_count(report, field))
           for field, label in COUNT_LABELS.items()},
        SKIPPED_LABEL: MetadataValue.int(sum(report.skipped.values())),
        **{SKIP_PREFIX + _reason_words(reason): MetadataValue.int(count)
           for reason, count in sorted(report.skipped.items())},
        "Fetched size": MetadataValue.text(human_size(report.bytes_fetched)),
        "Duration": MetadataValue.text(human_seconds(report.seconds)),
        "Seconds": MetadataValue.float(round(report.seconds, 3)),
        # Where the run's CPU went (the parser workers' in extract): the next bottleneck.
        CPU_LABEL: MetadataValue.json({k: round(v, 4) for k, v in report.cpu.items()}),
        "Documents in partition": MetadataValue.int(partition_total),
        # The asset's row count: the whole source's documents, not one partition's.
        "dagster/row_count": MetadataValue.int(source_total),
        "Summary": MetadataValue.md(_summary(report, partition_total, source_total)),
    }
    if report.documents:
        metadata["Documents written"] = _documents_table(report)
    metadata[CHANGED_LABEL] = MetadataValue.json(changed_keys(report))
    if report.failed:
        metadata["Failed objects"] = MetadataValue.json(
            [{"key": k, "reason": r, "may_pass": k in report.transient}
             for k, r in report.failed[:MAX_FAILED_LISTED]])
    return metadata


def changed_keys(report: IngestReport) -> dict[str, Any]:
    """The keys added, modified, deleted and failed (with reasons), each list bounded by
    MAX_CHANGED_KEYS, and how many each kind had in all."""
    failed = [{"key": k, "reason": r} for k, r in report.failed]
    kinds: dict[str, list[Any]] = {"added": report.added, "modified": report.modified,
                                   "deleted": report.deleted_keys, "failed": failed}
    return {**{kind: keys[:MAX_CHANGED_KEYS] for kind, keys in kinds.items()},
            "total": {kind: len(keys) for kind, keys in kinds.items()}}


def counts_of(metadata: dict[str, Any]) -> dict[str, Any]:
    """The counts of a materialization's (or a failure's) metadata, by report field name:
    listed, selected, ..., mode, seconds, cpu (by stage), skipped_<reason> for each skip
    reason, and `changed` (changed_keys)."""
    value = {k: getattr(v, "value", v) for k, v in metadata.items()}
    counts: dict[str, Any] = {field: value[label] for field, label in COUNT_LABELS.items()
                              if label in value}
    counts["mode"] = value.get("Mode")
    counts["seconds"] = value.get("Seconds", 0.0)
    counts["cpu"] = dict(value.get(CPU_LABEL) or {})
    counts["skipped"] = value.get(SKIPPED_LABEL, 0)
    if CHANGED_LABEL in value:
        counts["changed"] = value[CHANGED_LABEL]
    for label, count in value.items():
        if label.startswith(SKIP_PREFIX):
            counts["skipped_" + label[len(SKIP_PREFIX):].replace(" ", "_")] = count
    return counts
