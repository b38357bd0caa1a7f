"""The columns of the documents table, the same in every backend."""

COLUMNS = (
    "source",
    "bucket",
    "key",
    "rel_path",
    "partition",
    "size",
    "etag",
    "last_modified",
    "content_type",
    "version_id",
    "storage_class",
    "metadata",
    "tags",
    "title",
    "text",
    "status",
    "reason",
    "detected_type",  # schema version 4 (issue 20): added last, by ALTER TABLE
    "indexed_at",
)
UPDATABLE = tuple(c for c in COLUMNS if c not in ("source", "key"))
DOCUMENT_COLUMNS = ", ".join(c for c in COLUMNS if c != "indexed_at")
