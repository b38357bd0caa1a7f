"""The values that flow through an ingest: a listed object, and the document it becomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


# Not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__, which
# made building one about five times slower - a cost every listed key pays (1,000,000 of them
# in a big scan). Nothing assigns to one; it hashes by value as a frozen one would.
@dataclass(slots=True, unsafe_hash=True)
class ListedObject:
    """One entry of a ListObjectsV2 page (or ListObjectVersions, for versioned sources).

    `rel_path` is the key with the source prefix stripped; `key` stays the full key, which is the
    only thing ever sent back to S3. Neither is ever used as a local path.
    """

    key: str
    rel_path: str
    size: int
    etag: str
    last_modified: datetime
    storage_class: str = "STANDARD"
    version_id: str | None = None
    # An archived object (GLACIER, DEEP_ARCHIVE) with a restored copy that can be read now.
    restored: bool = False


@dataclass(slots=True)
class Document:
    """What the index stores for one object, keyed by (source, key).

    `status` is "indexed" (text extracted), "metadata_only" (stored without text, `reason` says
    why: an unsupported type, an extraction error, ...), or "failed".
    """

    source: str
    bucket: str
    key: str
    rel_path: str
    partition: str
    size: int
    etag: str
    last_modified: datetime
    content_type: str | None = None
    version_id: str | None = None
    storage_class: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    text: str | None = None
    status: str = "indexed"
    reason: str | None = None
    # The media type found in the object's bytes (or, unfetched, its name); `content_type` is
    # the S3 header as stored, often binary/octet-stream. Search filters on this one.
    detected_type: str | None = None
