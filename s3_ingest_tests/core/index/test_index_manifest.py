"""The manifest on both backends: what a sync compares with S3's listing - whole, by key range in
S3's order, for given keys, and for 100,000 rows."""

from __future__ import annotations

from datetime import timedelta

from s3_ingest.core.documents import Document
from s3_ingest.core.index import DocumentIndex
from s3_ingest.core.index.base import ManifestEntry
from s3_ingest_tests.core.index.documents import T0, make_doc


def test_manifest(index: DocumentIndex) -> None:
    later = T0 + timedelta(days=1)
    index.upsert(
        [
            make_doc("a", partition="p1", etag="e1", size=1),
            make_doc("b", partition="p2", etag="e2", size=2, last_modified=later, version_id="v9"),
            make_doc("c", source="other"),
        ]
    )
    assert index.manifest("docs") == {
        "a": ManifestEntry(key="a", etag="e1", size=1, last_modified=T0, version_id=None),
        "b": ManifestEntry(key="b", etag="e2", size=2, last_modified=later, version_id="v9"),
    }
    assert list(index.manifest("docs", partition="p2")) == ["b"]
    assert index.manifest("nobody") == {}
    entry = index.manifest("docs")["a"]
    assert entry.last_modified.tzinfo is not None


def test_the_manifest_knows_an_archive_stored_without_its_text(index: DocumentIndex) -> None:
    index.upsert([
        make_doc("cold", status="metadata_only", text=None, storage_class="GLACIER",
                 reason="archived (GLACIER): restore the object to index its text"),
        make_doc("image", status="metadata_only", text=None, reason="unsupported type: .png"),
        make_doc("read", storage_class="GLACIER"),  # its text was read from a restored copy
    ])
    manifest = index.manifest("docs")
    assert [k for k, entry in sorted(manifest.items()) if entry.archived] == ["cold"]
    assert [k for k, e in index.entries("docs", ["cold", "read"]).items() if e.archived] == [
        "cold"]


def test_manifest_range_follows_s3_key_order(index: DocumentIndex) -> None:
    """(after, upto] in code point order - S3's listing order - not a locale's collation."""
    names = ["A", "a", "a/b", "a-b", "a_b", "b", "b/z", "b/é", "ü", "€", "😀"]
    index.upsert([make_doc(k, partition="low" if k < "b" else "high") for k in names])
    index.upsert([make_doc("b/y", source="other")])
    ordered = sorted(names)  # Python compares code points, as S3 (UTF-8 bytes) does

    def in_range(after, upto, partition=None) -> list[str]:
        return sorted(index.manifest_range("docs", after, upto, partition))

    assert in_range(None, None) == ordered
    assert in_range("a", "b") == [k for k in ordered if "a" < k <= "b"]
    assert in_range("b", None) == ["b/z", "b/é", "ü", "€", "😀"]
    assert in_range(None, "a-b") == ["A", "a", "a-b"]
    assert in_range("b/z", "ü") == ["b/é", "ü"]
    assert in_range(None, None, "low") == sorted(k for k in names if k < "b")
    assert in_range("a", None, "high") == sorted(k for k in names if k >= "b")
    assert in_range("😀", None) == []
    entry = index.manifest_range("docs", "b/z", "b/é")["b/é"]
    assert entry == ManifestEntry("b/é", '"etag-b/é"', 100, T0)


def test_entries_of_given_keys(index: DocumentIndex) -> None:
    index.upsert([make_doc(k, size=len(k)) for k in ("a", "b/é", "c")])
    index.upsert([make_doc("b/é", source="other")])
    got = index.entries("docs", ["b/é", "c", "missing", "c"])
    assert got == {
        "b/é": ManifestEntry("b/é", '"etag-b/é"', 3, T0),
        "c": ManifestEntry("c", '"etag-c"', 1, T0),
    }
    assert index.entries("docs", []) == {}
    many = [f"k{n}" for n in range(1200)]
    index.upsert([make_doc(k) for k in many])
    assert len(index.entries("docs", many + ["missing"])) == 1200


def test_manifest_of_100k_rows(index: DocumentIndex) -> None:
    total, batch = 100_000, 5_000
    for start in range(0, total, batch):
        index.upsert(
            Document(
                source="big",
                bucket="b",
                key=f"k/{n:06d}",
                rel_path=f"{n:06d}",
                partition="even" if n % 2 == 0 else "odd",
                size=n,
                etag=f"e{n}",
                last_modified=T0 + timedelta(seconds=n),
            )
            for n in range(start, start + batch)
        )
    manifest = index.manifest("big")
    assert len(manifest) == total
    assert manifest["k/054321"] == ManifestEntry(
        key="k/054321", etag="e54321", size=54321, last_modified=T0 + timedelta(seconds=54321)
    )
    assert len(index.manifest("big", partition="odd")) == total // 2
    assert index.count("big") == total
