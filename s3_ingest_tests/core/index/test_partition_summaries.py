"""`partition_summaries` and `count_before`: what `s3-ingest status` and document_limit read -
on both backends."""

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


def test_count_before_ranks_a_key_among_the_other_partitions(index: DocumentIndex) -> None:
    index.upsert([make_doc(k, partition=k.split("/")[0] + "/") for k in
                  ("a/1.md", "a/2.md", "b/1.md", "c/1.md")]
                 + [make_doc("a0.md", partition="(root)")])
    assert index.count_before("docs", "b/0.md", exclude_partition="b/") == 3  # a/*, a0.md
    assert index.count_before("docs", "b/9.md", exclude_partition="b/") == 3
    assert index.count_before("docs", "b/1.md") == 3 and index.count_before("docs", "zz") == 5
    assert index.count_before("docs", "a0.md", exclude_partition="(root)") == 2
