"""The detected type beside the S3 header (schema version 4): stored, returned with hits, read by
the content-type filter (falling back to the header for rows written before it), on both
backends; and an index of version 3 migrates in place, keeping its documents."""

from __future__ import annotations

import sqlite3

from s3_ingest.core.index import DocumentIndex, SearchFilters, open_index
from s3_ingest.core.index.schema import SCHEMA_VERSION
from s3_ingest_tests.core.index.documents import keys, make_doc


def test_the_filter_reads_the_detected_type_and_the_header_stays(index: DocumentIndex) -> None:
    index.upsert([
        make_doc("a/report", content_type="binary/octet-stream",
                 detected_type="application/pdf", text="quarterly kestrel report"),
        # Written before detection existed: only the header, with a parameter.
        make_doc("a/page.html", content_type="Text/HTML; charset=utf-8",
                 text="kestrel page"),
    ])
    stored = index.get("docs", "a/report")
    assert stored is not None
    assert (stored.content_type, stored.detected_type) == ("binary/octet-stream",
                                                           "application/pdf")
    pdf = index.search("kestrel", SearchFilters(content_type="application/pdf"))
    assert keys(pdf) == ["a/report"]
    assert (pdf[0].content_type, pdf[0].detected_type) == ("binary/octet-stream",
                                                           "application/pdf")
    assert keys(index.search("kestrel", SearchFilters(content_type="binary/octet-stream"))) == []
    assert keys(index.search("kestrel", SearchFilters(content_type="text/html"))) == [
        "a/page.html"]


def _version_3(url: str) -> None:
    """What version 3 left: no detected_type column, and version 3 recorded."""
    from s3_ingest_tests.core.index.downgrade import downgrade_to_version_3

    downgrade_to_version_3(url, "postgres" if "://" in url else "sqlite")


def test_a_version_3_index_gains_the_column_and_keeps_its_documents(index_url: str) -> None:
    with open_index(index_url) as ix:
        ix.upsert([make_doc("a/old.md", content_type="text/markdown", text="old kestrel")])
    _version_3(index_url)
    with open_index(index_url) as ix:
        assert ix.count() == 1
        doc = ix.get("docs", "a/old.md")
        assert doc is not None and doc.detected_type is None
        assert keys(ix.search("kestrel", SearchFilters(content_type="text/markdown"))) == [
            "a/old.md"]
        ix.upsert([make_doc("a/new", content_type=None, detected_type="application/pdf",
                            text="new kestrel")])
        assert keys(ix.search("kestrel", SearchFilters(content_type="application/pdf"))) == [
            "a/new"]
    if "://" not in index_url:
        version = sqlite3.connect(index_url).execute("PRAGMA user_version").fetchone()[0]
        assert version == SCHEMA_VERSION == 4
