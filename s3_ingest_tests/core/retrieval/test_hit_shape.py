"""A document hit has one shape in every mode: a keyword search on an index without chunks
returns `DocumentHit`s with `chunk` None, so code written for hybrid hits runs on them too."""

from __future__ import annotations

import dataclasses

from s3_ingest.core.index import open_index
from s3_ingest.core.retrieval import DocumentHit, Retriever
from s3_ingest.core.retrieval.chunk_run import chunk_partition
from s3_ingest_tests.core.retrieval.fakes import HashingEmbedder, doc


def test_keyword_hits_before_chunks_have_the_shape_of_every_other(tmp_path) -> None:
    with open_index(str(tmp_path / "i.db")) as index:
        index.upsert([doc("p/a.md", "# Kestrels\nKestrels hover over the dunes.",
                          detected_type="text/markdown")])
        embedder = HashingEmbedder()
        with Retriever(index, embedder) as retriever:
            [before] = retriever.search("kestrels")
            assert type(before) is DocumentHit and before.chunk is None
            assert (before.key, before.detected_type) == ("p/a.md", "text/markdown")
            chunk_partition(index, "docs", "p/", embedder)
            [keyword] = retriever.search("kestrels", "keyword")
            [hybrid] = retriever.search("kestrels", "hybrid")
        for hit in (keyword, hybrid):
            assert type(hit) is DocumentHit and hit.chunk is not None
            assert hit.detected_type == "text/markdown"
        # The same document, the same fields: only the ranking's own values differ.
        same = [f.name for f in dataclasses.fields(DocumentHit)
                if f.name not in ("score", "snippet", "chunk")]
        assert [getattr(before, n) for n in same] == [getattr(hybrid, n) for n in same]
