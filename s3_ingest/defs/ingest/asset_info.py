"""What the UI shows about a source's documents asset before any run: where the objects come
from (bucket, endpoint, prefix - never credentials), what is selected, and who owns it."""

from __future__ import annotations

from typing import Any

from dagster import MetadataValue

from s3_ingest.core.sources.model import Source


def _size(n: int) -> str:
    """As the sources file says sizes (5MB is 5,000,000 bytes, 5MiB 5,242,880)."""
    for units, base in ((("GiB", "MiB", "KiB"), 1024), (("GB", "MB", "KB"), 1000)):
        for power, unit in zip((3, 2, 1), units):
            if n >= base ** power and n % base ** power == 0:
                return f"{n // base ** power} {unit}"
    return f"{n:,} B"


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
