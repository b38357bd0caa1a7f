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
    "indexed_at",
)
UPDATABLE = tuple(c for c in COLUMNS if c not in ("source", "key"))
DOCUMENT_COLUMNS = ", ".join(c for c in COLUMNS if c != "indexed_at")
