"""A lazy walker over ListObjectsV2: every page, one typed object at a time.

Memory stays flat whatever the bucket size: a page is held only while its entries are yielded.
(dagster-aws's get_s3_keys only reports keys newer than a cursor, so it misses modified and
deleted keys; this walker reports every key with its etag, size and last-modified time.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from s3_ingest.core.documents import ListedObject
from s3_ingest.core.s3.partition_keys import ROOT_PARTITION, decode_partition, encode_partition


def _to_listed(entry: dict[str, Any], prefix: str) -> ListedObject:
    key = entry["Key"]
    # RestoreStatus: whether an archived object's restored copy is readable now (S3 reports it
    # only when asked for it, and only for objects with a restore requested).
    status = entry.get("RestoreStatus")
    # Positional: every listed key of a scan is built here.
    return ListedObject(
        key, key[len(prefix):], int(entry.get("Size", 0)), entry.get("ETag", "").strip('"'),
        entry["LastModified"], entry.get("StorageClass") or "STANDARD", None,
        bool(status) and not status.get("IsRestoreInProgress", False),
    )


def iter_pages(
    client: Any,
    bucket: str,
    prefix: str,
    *,
    delimiter: str | None = None,
    page_size: int = 1000,
    start_after: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Raw ListObjectsV2 pages, following continuation tokens until the listing ends."""
    # RestoreStatus tells a restored archived object (readable) from one that is not; stores
    # that do not know the header ignore it.
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": page_size,
                              "OptionalObjectAttributes": ["RestoreStatus"]}
    if delimiter:
        kwargs["Delimiter"] = delimiter
    if start_after:
        kwargs["StartAfter"] = start_after
    while True:
        page = client.list_objects_v2(**kwargs)
        yield page
        token = page.get("NextContinuationToken")
        if not page.get("IsTruncated") or not token:
            return
        kwargs.pop("StartAfter", None)
        kwargs["ContinuationToken"] = token


def iter_objects(
    client: Any,
    bucket: str,
    prefix: str = "",
    *,
    strip: str | None = None,
    page_size: int = 1000,
    start_after: str | None = None,
) -> Iterator[ListedObject]:
    """Every object under `prefix`, in key order; rel_path is the key less `strip` (default:
    less `prefix`)."""
    strip = prefix if strip is None else strip
    for page in iter_pages(client, bucket, prefix, page_size=page_size, start_after=start_after):
        for entry in page.get("Contents", ()):
            yield _to_listed(entry, strip)


def iter_partition(
    client: Any, bucket: str, prefix: str, partition: str, *, page_size: int = 1000
) -> Iterator[ListedObject]:
    """The objects of one partition; rel_path stays relative to the source prefix."""
    if partition == ROOT_PARTITION:
        for page in iter_pages(client, bucket, prefix, delimiter="/", page_size=page_size):
            for entry in page.get("Contents", ()):
                yield _to_listed(entry, prefix)
        return
    folder_prefix = prefix + decode_partition(partition)
    yield from iter_objects(client, bucket, folder_prefix, strip=prefix, page_size=page_size)


def iter_partition_pages(
    client: Any, bucket: str, prefix: str, partition: str, *, page_size: int = 1000
) -> Iterator[tuple[list[ListedObject], bool]]:
    """The objects of one partition a page at a time, each with whether it is the last page, so
    a caller can compare each page with the same key range of the index."""
    if partition == ROOT_PARTITION:
        pages = iter_pages(client, bucket, prefix, delimiter="/", page_size=page_size)
    else:
        pages = iter_pages(client, bucket, prefix + decode_partition(partition), page_size=page_size)
    for page in pages:
        last = not (page.get("IsTruncated") and page.get("NextContinuationToken"))
        yield [_to_listed(entry, prefix) for entry in page.get("Contents", ())], last


def list_partitions(client: Any, bucket: str, prefix: str = "") -> list[str]:
    """Partition keys of a source: its top-level folders, plus `(root)` when objects sit directly
    under the prefix."""
    partitions: list[str] = []
    has_root = False
    for page in iter_pages(client, bucket, prefix, delimiter="/"):
        has_root = has_root or bool(page.get("Contents"))
        for common in page.get("CommonPrefixes", ()):
            partitions.append(encode_partition(common["Prefix"][len(prefix) :]))
    return ([ROOT_PARTITION] if has_root else []) + partitions
