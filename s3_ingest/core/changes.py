"""Change detection: compare a listing with what the index holds for the same partition."""

from __future__ import annotations

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.index.base import ManifestEntry


def is_changed(obj: ListedObject, entry: ManifestEntry | None) -> bool:
    """True when the object is new, or its etag, size, last-modified time or version differ."""
    if entry is None:
        return True
    if obj.restored and entry.archived:
        return True  # the same version, readable now: its text can be indexed at last
    if obj.etag != entry.etag or obj.size != entry.size:
        return True
    if obj.version_id and entry.version_id and obj.version_id != entry.version_id:
        return True
    return obj.last_modified != entry.last_modified
