"""What a chunks materialization shows in the UI: counts labelled in words, as the documents'
are (defs/ingest/metadata.py), and read back by the command line through `chunk_counts_of`, so
the UI and the terminal say the same thing."""

from __future__ import annotations

from typing import Any

from dagster import MetadataValue

from s3_ingest.core.retrieval.chunk_run import ChunkReport
from s3_ingest.defs.ingest.metadata import human_seconds

# Report field -> label shown in the UI (and read back by the command line).
CHUNK_COUNT_LABELS = {
    "documents": "Documents with text", "documents_changed": "Documents changed",
    "written": "Chunks written", "reused": "Chunks reused", "deleted": "Chunks deleted",
    "embedded": "Chunks embedded",
}
_PARTITION_LABEL = "Chunks in partition"


def chunk_metadata(report: ChunkReport, total: int, dimension: int) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        label: MetadataValue.int(int(getattr(report, field)))
        for field, label in CHUNK_COUNT_LABELS.items()
    }
    metadata |= {
        _PARTITION_LABEL: MetadataValue.int(total),
        "Model": MetadataValue.text(report.model),
        "Dimension": MetadataValue.int(dimension),
        "Duration": MetadataValue.text(human_seconds(report.seconds)),
        "Seconds": MetadataValue.float(round(report.seconds, 3)),
        "Chunks per second": MetadataValue.float(round(report.chunks_per_second, 1)),
        "dagster/row_count": MetadataValue.int(total),
        "Summary": MetadataValue.md(
            f"### {report.source} / `{report.partition}`\n\n"
            + (f"{report.documents_changed} of {report.documents} documents changed: "
               f"{report.written} chunks written ({report.embedded} embedded, {report.reused} "
               f"reused), {report.deleted} deleted."
               if report.documents_changed or report.deleted else
               f"**Nothing changed**: the chunks of all {report.documents} documents are in "
               "step with their text.")
            + f"\n\nThe partition now holds {total} chunks ({report.model}).",
        ),
    }
    return metadata


def chunk_counts_of(metadata: dict[str, Any]) -> dict[str, Any]:
    """A chunks materialization's counts by report field name (written, reused, ...),
    with `total`, `model` and `seconds`."""
    value = {k: getattr(v, "value", v) for k, v in metadata.items()}
    counts: dict[str, Any] = {field: value[label] for field, label in CHUNK_COUNT_LABELS.items()
                              if label in value}
    counts["total"] = value.get(_PARTITION_LABEL, 0)
    counts["model"] = value.get("Model")
    counts["seconds"] = value.get("Seconds", 0.0)
    return counts
