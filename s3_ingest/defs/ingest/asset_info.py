"""What the UI shows about a source's documents asset before any run: where the objects come
from (bucket, endpoint, prefix - never credentials), what is selected, and who owns it."""

from __future__ import annotations

from typing import Any

from dagster import MetadataValue

from s3_ingest.core.sources import Source


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} B"


def selection_rules(source: Source) -> str:
    rules = [f"max file size {_size(source.max_file_size)}"]
    if source.extensions:
        rules.append("extensions " + ", ".join(source.extensions))
    if source.include:
        rules.append("include " + ", ".join(source.include))
    if source.exclude:
        rules.append("exclude " + ", ".join(source.exclude))
    rules.append(f"first {source.document_limit:,} documents" if source.document_limit
                 else "no document limit")
    return "; ".join(rules)


def asset_description(source: Source) -> str:
    where = f"s3://{source.bucket}/{source.prefix}"
    lines = [source.description or f"Documents of {where} in the search index.", "",
             f"One partition per top-level prefix of `{where}` (objects directly under it: "
             "`(root)`). Kept in step by the source's sensors"
             + (" (polling and S3 events)" if source.events else " (polling)")
             + f" and a reconcile on `{source.reconcile_cron}`.",
             "", f"Selection: {selection_rules(source)}."]
    return "\n".join(lines)


def asset_metadata(source: Source) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "Bucket": MetadataValue.text(source.bucket),
        "Prefix": MetadataValue.text(source.prefix or "(the whole bucket)"),
        "Endpoint": MetadataValue.text(source.endpoint_url or "AWS S3"),
        "Region": MetadataValue.text(source.region or "default"),
        "Selection": MetadataValue.text(selection_rules(source)),
        "Polling interval": MetadataValue.text(f"{source.sync_interval} s"),
    }
    if source.events:
        metadata["Events queue"] = MetadataValue.text(source.events.queue_url)
    if source.endpoint_url and source.endpoint_url.startswith(("http://", "https://")):
        metadata["Endpoint"] = MetadataValue.url(source.endpoint_url)
    return metadata
