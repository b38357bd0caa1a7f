"""What a materialization shows in the UI: counts, bytes, seconds, a table and a summary.

Built by hand from Dagster's metadata values (dagster-pandas would pin pandas below 3 and drag
Dagster back to 1.12).
"""

from __future__ import annotations

import json
from typing import Any

from dagster import MetadataValue, TableColumn, TableRecord, TableSchema

from s3_ingest.core.ingest import IngestReport

_DOC_SCHEMA = TableSchema(
    columns=[
        TableColumn("key", "string"),
        TableColumn("size", "int"),
        TableColumn("content_type", "string"),
        TableColumn("status", "string"),
        TableColumn("tags", "string"),
    ]
)
MAX_FAILED_LISTED = 50


def _summary(report: IngestReport, total: int) -> str:
    skipped = ", ".join(f"{k}: {v}" for k, v in sorted(report.skipped.items())) or "none"
    lines = [
        f"### {report.source} / `{report.partition}`"
        + (" (the changes a scan named)" if report.mode == "changes" else " (listed)"),
        "",
        "| listed | selected | unchanged | fetched | indexed | metadata only | deleted | failed |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {report.listed} | {report.selected} | {report.unchanged} | {report.fetched} | "
        f"{report.indexed} | {report.metadata_only} | {report.deleted} | {len(report.failed)} |",
        "",
        f"Skipped: {skipped}. {report.bytes_fetched / 1e6:.2f} MB fetched in "
        f"{report.seconds:.1f} s. The partition now holds {total} documents.",
    ]
    if report.failed:
        lines += ["", "**Failed objects**", ""]
        lines += [f"- `{key}`: {reason}" for key, reason in report.failed[:MAX_FAILED_LISTED]]
    return "\n".join(lines)


def report_metadata(report: IngestReport, total: int) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "mode": report.mode,
        "listed": report.listed,
        "selected": report.selected,
        "skipped": sum(report.skipped.values()),
        **{f"skipped_{reason}": count for reason, count in sorted(report.skipped.items())},
        "unchanged": report.unchanged,
        "fetched": report.fetched,
        "indexed": report.indexed,
        "metadata_only": report.metadata_only,
        "deleted": report.deleted,
        "failed": len(report.failed),
        "failed_transient": len(report.transient),
        "retries": report.retries,
        "get_requests": report.get_requests,
        "head_requests": report.head_requests,
        "bytes_fetched": report.bytes_fetched,
        "seconds": MetadataValue.float(round(report.seconds, 3)),
        "dagster/row_count": total,
        "documents": MetadataValue.table(
            records=[
                TableRecord(
                    {
                        "key": doc.key,
                        "size": doc.size,
                        "content_type": doc.content_type or "",
                        "status": doc.status,
                        "tags": json.dumps(doc.tags, sort_keys=True),
                    }
                )
                for doc in report.documents
            ],
            schema=_DOC_SCHEMA,
        ),
        "summary": MetadataValue.md(_summary(report, total)),
    }
    if report.failed:
        metadata["failed_objects"] = MetadataValue.json(
            [{"key": k, "reason": r} for k, r in report.failed[:MAX_FAILED_LISTED]]
        )
    return metadata
