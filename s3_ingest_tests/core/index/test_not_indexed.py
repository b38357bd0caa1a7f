"""`not_indexed`: the documents stored without their text, and why - on both backends."""

from __future__ import annotations

from s3_ingest.core.index import DocumentIndex
from s3_ingest_tests.core.index.documents import make_doc


def test_not_indexed_lists_metadata_only_and_failed_documents_with_reasons(
    index: DocumentIndex,
) -> None:
    index.upsert([
        make_doc("b/fine.txt"),
        make_doc("b/scan.pdf", status="metadata_only", reason="extraction error: bad xref",
                 text=None),
        make_doc("a/cold.md", status="metadata_only", reason="archived", text=None),
        make_doc("c/x.bin", status="failed", reason="access denied (403)", text=None),
        make_doc("a/other.md", source="other", status="metadata_only", reason="archived",
                 text=None),
    ])
    assert index.not_indexed("docs") == [
        ("docs", "a/cold.md", "metadata_only", "archived"),
        ("docs", "b/scan.pdf", "metadata_only", "extraction error: bad xref"),
        ("docs", "c/x.bin", "failed", "access denied (403)"),
    ]
    assert [row[:2] for row in index.not_indexed()][-1] == ("other", "a/other.md")
    assert len(index.not_indexed()) == 4
    assert index.not_indexed("nobody") == []
