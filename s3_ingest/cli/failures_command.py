"""`s3-ingest failures`: every object that is not searchable by its text, and why - read from the
index alone, so a terminal user needs no Dagster UI to see the reason."""

from __future__ import annotations

import json

import click

from s3_ingest.core.index import DocumentIndex

# What each kind of line says before its reason.
LABELS = {
    "not_fetched": "not fetched",  # the last run could not read it (kept as it was, if at all)
    "metadata_only": "metadata only",  # stored without text: unsupported, archived, unreadable
    "failed": "failed",
}


def failure_lines(index: DocumentIndex, source: str | None) -> list[dict]:
    lines = [
        {"source": r.source, "key": r.key, "status": "not_fetched", "reason": r.reason,
         "partition": r.partition, "failed_at": r.failed_at.isoformat()}
        for r in index.failures(source)
    ]
    lines += [
        {"source": src, "key": key, "status": status, "reason": reason or "no reason recorded"}
        for src, key, status, reason in index.not_indexed(source)
    ]
    return sorted(lines, key=lambda line: (line["source"], line["key"], line["status"]))


def print_failures(index: DocumentIndex, source: str | None, as_json: bool) -> None:
    lines = failure_lines(index, source)
    for line in lines:
        if as_json:
            click.echo(json.dumps(line, ensure_ascii=False))
            continue
        text = f"{line['source']}:{line['key']}  {LABELS[line['status']]}: {line['reason']}"
        if "failed_at" in line:
            text += f"  ({line['failed_at'][:16].replace('T', ' ')})"
        click.echo(text)
    if not lines and not as_json:
        click.echo("every indexed object has its text; no failed objects", err=True)
