"""`partition_summaries` and `nth_key`: what `s3-ingest status` and document_limit read - on
both backends."""

from __future__ import annotations

from s3_ingest.core.index import DocumentIndex
from s3_ingest_tests.core.index.documents import make_doc


def test_partition_summaries_count_by_status_and_say_when_last_written(
    index: DocumentIndex,
) -> None:
    index.upsert([
        make_doc("a/1.md", partition="a/"), make_doc("a/2.md", partition="a/"),
        make_doc("a/3.pdf", partition="a/", status="metadata_only", reason="scan", text=None),
        make_doc("b/4.md", partition="b/", status="failed", reason="denied", text=None),
        make_doc("z/5.md", partition="z/", source="other"),
    ])
    summaries = {s.partition: s for s in index.partition_summaries("docs")}
    assert set(summaries) == {"a/", "b/"}
    assert summaries["a/"].by_status == {"indexed": 2, "metadata_only": 1}
    assert summaries["b/"].by_status == {"failed": 1}
    assert summaries["a/"].last_written is not None
    assert index.partition_summaries("nobody") == []


def test_nth_key_is_the_index_cutoff_of_a_source(index: DocumentIndex) -> None:
    index.upsert([make_doc(k, partition=k.split("/")[0] + "/") for k in
                  ("a/1.md", "a/2.md", "b/1.md", "c/1.md")]
                 + [make_doc("a0.md", partition="(root)"), make_doc("0.md", source="other")])
    assert [index.nth_key("docs", n) for n in (1, 3, 5, 6)] == ["a/1.md", "a0.md", "c/1.md", None]
    assert index.nth_key("nobody", 1) is None
