"""Search the index by words, by meaning, or both - the API applications use without Dagster.

    from s3_ingest.core.retrieval import Retriever

    with Retriever(".s3_ingest/index.db") as retriever:
        for hit in retriever.search("staff leave rules", limit=5):
            print(hit.key, hit.chunk.heading, hit.snippet)

Modes: `keyword` (BM25), `semantic` (cosine distance between the query's vector and the
chunks' vectors), `hybrid` (both rankings fused by reciprocal rank fusion, in one SQL statement
where the data lives). The query is embedded by the same model as the stored vectors: the
default offline model unless an embedder is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from s3_ingest.core.index import DocumentIndex, SearchFilters, open_index
from s3_ingest.core.retrieval.embedder import Embedder
from s3_ingest.core.retrieval.hits import ChunkHit, DocumentHit, best_per_document, chunk_hit
from s3_ingest.core.retrieval.vectors import pack

Mode = Literal["keyword", "semantic", "hybrid"]
MODES = ("keyword", "semantic", "hybrid")
RRF_K = 60  # the constant of Cormack et al.; dampens how much the very top ranks dominate
DEPTH = 100  # chunks each ranking contributes to the fusion


class SearchError(RuntimeError):
    """A search that cannot run as asked (no chunks yet, no vector search, another model)."""


@dataclass(frozen=True, slots=True)
class Results:
    mode: str  # the mode that ran: hybrid falls back to keyword where vectors cannot be searched
    hits: list[Any]
    note: str | None = None  # why the mode differs from the one asked for


class Retriever:
    def __init__(self, index: str | DocumentIndex, embedder: Embedder | None = None) -> None:
        self._own = isinstance(index, str)
        self.index: Any = open_index(index) if isinstance(index, str) else index
        self._embedder = embedder

    def __enter__(self) -> Retriever:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._own:
            self.index.close()

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from s3_ingest.core.retrieval.local_minilm import LocalMiniLM

            self._embedder = LocalMiniLM()
        return self._embedder

    def default_mode(self) -> Mode:
        """hybrid once chunks exist, keyword before."""
        return "hybrid" if self.index.has_chunks() else "keyword"

    def search(self, query: str, mode: Mode | None = None, filters: SearchFilters | None = None,
               limit: int = 10, *, chunks: bool = False) -> list[Any]:
        return self.run(query, mode, filters, limit, chunks=chunks).hits

    def run(self, query: str, mode: Mode | None = None, filters: SearchFilters | None = None,
            limit: int = 10, *, chunks: bool = False) -> Results:
        """Hits best first: documents (`DocumentHit`, by their best chunk) or `ChunkHit`s."""
        mode = mode or self.default_mode()
        if mode not in MODES:
            raise SearchError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        filters = filters or SearchFilters()
        if not self.index.has_chunks():  # issue 19: not a count of every chunk per search
            if mode != "keyword" or chunks:
                raise SearchError("the index has no chunks yet: materialize the chunks assets "
                                  "(or `s3-ingest sync`) first")
            return Results("keyword", self.index.search(query, filters, limit))
        note = None
        if mode != "keyword" and self.index.vector_search_unavailable:
            if mode == "semantic":
                raise SearchError(self.index.vector_search_unavailable)
            mode, note = "keyword", self.index.vector_search_unavailable
        vector = model = None
        if mode != "keyword":
            model = self._stored_model()
            vector = pack(self.embedder.embed([query])[0])
        depth = max(DEPTH, limit * (1 if chunks else 5))
        rows = self.index.search_chunks(
            query if mode != "semantic" else None, vector, model, filters,
            limit=limit if chunks else depth, depth=depth, rrf_k=RRF_K,
        )
        hits: list[ChunkHit] = [chunk_hit(row) for row in rows]
        return Results(mode, hits if chunks else best_per_document(hits, limit), note)

    def _stored_model(self) -> str:
        models = set(self.index.chunk_model_names())  # issue 19: an index seek per model
        model = self.embedder.model
        if model not in models:
            raise SearchError(
                f"the index holds vectors of {', '.join(sorted(models)) or 'no model'}, not of "
                f"{model}: configure that embedder, or re-embed with a full chunks run"
            )
        return model
