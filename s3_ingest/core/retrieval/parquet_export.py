"""A partition's documents and chunks as Parquet files, for DuckDB, Spark, pandas or dbt.

Layout, Hive-style so readers see the partition as a column:

    <folder>/<source>/documents/partition=<encoded key>/part-0.parquet
    <folder>/<source>/chunks/partition=<encoded key>/part-0.parquet

e.g. ``duckdb -c "SELECT key, heading FROM read_parquet('exports/docs/chunks/*/*.parquet')"``.
A file is written beside its final name and renamed into place, so a reader never sees half a
file. Rows are streamed in pages: memory stays one page, whatever the partition holds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq

from s3_ingest.core.index.vectors import unpack

_ROWS_PER_GROUP = 1_000

DOCUMENTS_SCHEMA = pa.schema([
    ("source", pa.string()), ("key", pa.string()), ("content_type", pa.string()),
    ("title", pa.string()), ("text", pa.string()),
])
CHUNKS_SCHEMA = pa.schema([
    ("source", pa.string()), ("key", pa.string()), ("position", pa.int32()),
    ("heading", pa.string()), ("page", pa.int32()), ("text", pa.string()),
    ("model", pa.string()), ("dimension", pa.int32()), ("embedding", pa.list_(pa.float32())),
])


def partition_folder(folder: str | os.PathLike[str], source: str, table: str,
                     partition: str) -> Path:
    return Path(folder) / source / table / f"partition={quote(partition, safe='()')}"


def export_partition(index: Any, source: str, partition: str,
                     folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the partition's two files; returns their paths and row counts."""
    documents = _write(
        partition_folder(folder, source, "documents", partition), DOCUMENTS_SCHEMA,
        ((source, key, ctype, title, text)
         for key, ctype, title, text in index.document_texts(source, partition)),
    )
    chunks = _write(
        partition_folder(folder, source, "chunks", partition), CHUNKS_SCHEMA,
        ((source, key, pos, heading, page, text, model, dim,
          None if blob is None else unpack(blob))
         for key, pos, heading, page, text, model, dim, blob
         in index.partition_chunks(source, partition)),
    )
    return {"documents": documents, "chunks": chunks}


def _write(target: Path, schema: pa.Schema, rows: Any) -> tuple[Path, int]:
    target.mkdir(parents=True, exist_ok=True)
    final = target / "part-0.parquet"
    partial = target / ".part-0.parquet.partial"
    count = 0
    with pq.ParquetWriter(partial, schema) as writer:
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == _ROWS_PER_GROUP:
                writer.write_batch(_batch(schema, batch))
                count, batch = count + len(batch), []
        if batch or count == 0:
            writer.write_batch(_batch(schema, batch))
            count += len(batch)
    os.replace(partial, final)
    return final, count


def _batch(schema: pa.Schema, rows: list[tuple[Any, ...]]) -> pa.RecordBatch:
    columns = list(zip(*rows)) if rows else [[] for _ in schema]
    return pa.record_batch([pa.array(list(c), type=f.type) for c, f in zip(columns, schema)],
                           schema=schema)
