"""The new formats through a real ingest: type from content, properties in metadata, OCR on request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.s3.partition_keys import ROOT_PARTITION
from s3_ingest.core.sources.model import Source
from s3_ingest.core.sync.ingest import ingest_partition
from s3_ingest_tests.core.extraction.test_docx import make_docx
from s3_ingest_tests.core.extraction.test_ocr import SCAN, needs_tesseract
from s3_ingest_tests.core.extraction.test_presentation import make_pptx

BUCKET = "formats-test-bucket"


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SqliteIndex]:
    ix = SqliteIndex(tmp_path / "index.db")
    yield ix
    ix.close()


def found(index: SqliteIndex, query: str) -> list[str]:
    return sorted(hit.key for hit in index.search(query, limit=50))


def test_docx_named_bin_is_fetched_and_indexed(s3: Any, bucket: str, index: SqliteIndex) -> None:
    s3.put_object(Bucket=BUCKET, Key="uploads/a1b2.bin", Body=make_docx())
    report = ingest_partition(s3, Source(name="docs", bucket=BUCKET), "uploads/", index)
    assert report.get_requests == 1 and report.indexed == 1
    assert found(index, "itemised") == ["uploads/a1b2.bin"]


def test_document_properties_join_the_user_metadata(s3: Any, bucket: str, index: SqliteIndex) -> None:
    s3.put_object(Bucket=BUCKET, Key="decks/review.pptx", Body=make_pptx(), Metadata={"team": "ops"})
    ingest_partition(s3, Source(name="docs", bucket=BUCKET), "decks/", index)
    doc = index.get("docs", "decks/review.pptx")
    assert doc is not None and doc.status == "indexed"
    assert doc.metadata["team"] == "ops"
    assert doc.metadata["doc.author"] == "Operations"
    assert doc.metadata["doc.slide_count"] == "2"
    assert found(index, "ptarmigan") == ["decks/review.pptx"]  # a slide's speaker notes


def test_scanned_pdf_is_metadata_only_unless_the_source_asks_for_ocr(
    s3: Any, bucket: str, index: SqliteIndex
) -> None:
    s3.put_object(Bucket=BUCKET, Key="scan.pdf", Body=SCAN)
    ingest_partition(s3, Source(name="docs", bucket=BUCKET), ROOT_PARTITION, index)
    doc = index.get("docs", "scan.pdf")
    assert doc is not None and doc.status == "metadata_only"
    assert doc.reason == "scanned pdf: no text layer (ocr is off)"


@needs_tesseract
def test_scanned_pdf_is_ocrd_when_the_source_asks(s3: Any, bucket: str, index: SqliteIndex) -> None:
    s3.put_object(Bucket=BUCKET, Key="scan.pdf", Body=SCAN)
    source = Source(name="docs", bucket=BUCKET, ocr=True, extraction_timeout_seconds=120)
    report = ingest_partition(s3, source, ROOT_PARTITION, index)
    assert report.indexed == 1
    assert found(index, "pilotage") == ["scan.pdf"]
