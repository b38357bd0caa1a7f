"""Search the index by words, by meaning, or both - the API applications use without Dagster.

    from s3_ingest.core.retrieval import Retriever

    with Retriever(".s3_ingest/index.db") as retriever:
        for hit in retriever.search("staff leave rules", limit=5):
            print(hit.key, hit.chunk.heading, hit.snippet)

Modes: `keyword` (BM25), `semantic` (cosine distance between the query's vector and the
chunks' vectors, above a similarity floor), `hybrid` (both rankings fused by reciprocal rank
fusion, in one SQL statement where the data lives). The query is embedded by the same model as the stored vectors: the
default offline model unless an embedder is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from s3_ingest.core.index import DocumentIndex, SearchFilters, open_index
from s3_ingest.core.index.vectors import pack
from s3_ingest.core.retrieval.embedder import Embedder
from s3_ingest.core.retrieval.hits import (
    ChunkHit,
    DocumentHit,
    best_per_document,
    chunk_hit,
    without_chunk,
)
from s3_ingest.core.retrieval.similarity_floor import apply_floor, min_similarity_from_env
from s3_ingest.core.retrieval.uncovered import behind_notice, merged, uncovered_hits

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
    note: str | None = None  # why the mode differs from the one asked for, what is behind
    behind: int = 0  # documents whose chunks are behind their text (found by keyword only)


class Retriever:
    def __init__(self, index: str | DocumentIndex, embedder: Embedder | None = None, *,
                 min_similarity: float | None = None) -> None:
        """`min_similarity`: the cosine below which a chunk is no semantic match (default
        $S3_INGEST_MIN_SIMILARITY, else similarity_floor.DEFAULT_MIN_SIMILARITY)."""
        try:
            self.min_similarity = min_similarity_from_env(min_similarity)
        except ValueError as exc:
            raise SearchError(str(exc)) from None
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
            from s3_ingest.core.retrieval.embedder_choice import embedder_from_env

            self._embedder = embedder_from_env()
        return self._embedder

    def default_mode(self) -> Mode:
        """hybrid once chunks exist, keyword before."""
        return "hybrid" if self.index.has_chunks() else "keyword"

    def search(self, query: str, mode: Mode | None = None, filters: SearchFilters | None = None,
               limit: int = 10, *, chunks: bool = False) -> list[Any]:
        return self.run(query, mode, filters, limit, chunks=chunks).hits

    def run(self, query: str, mode: Mode | None = None, filters: SearchFilters | None = None,
            limit: int = 10, *, chunks: bool = False) -> Results:
        """Hits best first: documents (`DocumentHit`, by their best chunk) or `ChunkHit`s.

        Documents without chunks - metadata-only ones, and ones whose chunks are behind their
        text - are found by keyword in every mode (uncovered.py); `Results.behind` counts the
        latter, and the note says which command brings them in step."""
        mode = mode or self.default_mode()
        if mode not in MODES:
            raise SearchError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        filters = filters or SearchFilters()
        if not self.index.has_chunks():  # issue 19: not a count of every chunk per search
            if mode != "keyword" or chunks:
                raise SearchError(
                    "the index has no chunks yet, so nothing to search by meaning: run "
                    "`s3-ingest sync` (without --no-chunks), or `s3-ingest chunks`")
            # Shaped like every other document hit, with no chunk to carry.
            return Results("keyword", [without_chunk(hit) for hit in
                                       self.index.search(query, filters, limit)])
        notes = []
        if mode != "keyword" and self.index.vector_search_unavailable:
            if mode == "semantic":
                raise SearchError(self.index.vector_search_unavailable)
            mode = "keyword"
            notes.append(self.index.vector_search_unavailable)
        vector = model = None
        if mode != "keyword":
            model = self._stored_model()
            self.index.warm_vector_search(model)  # while the query is embedded
            query_vector = self.embedder.embed([query])[0]
            vector = pack(query_vector)
        depth = max(DEPTH, limit * (1 if chunks else 5))
        # Every fused chunk (each ranking gives `depth`): the floor may take some out.
        rows = self.index.search_chunks(
            query if mode != "semantic" else None, vector, model, filters,
            limit=2 * depth, depth=depth, rrf_k=RRF_K,
        )
        hits: list[ChunkHit] = [chunk_hit(row) for row in rows]
        if vector is not None and model is not None:
            hits = apply_floor(self.index, hits, query_vector, model, self.min_similarity, RRF_K)
        behind = self.index.documents_behind(filters.source)
        if behind:
            notes.append(behind_notice(behind))
        note = "; ".join(notes) or None
        if chunks:
            return Results(mode, hits[:limit], note, behind)
        documents = best_per_document(hits, limit)
        uncovered = uncovered_hits(self.index, query, filters, depth, RRF_K)
        return Results(mode, merged(documents, uncovered, limit), note, behind)

    def _stored_model(self) -> str:
        models = set(self.index.chunk_model_names())  # issue 19: an index seek per model
        model = self.embedder.model
        if model not in models:
            raise SearchError(
                f"the index holds vectors of {', '.join(sorted(models)) or 'no model'}, not of "
                f"{model}: configure that embedder, or re-embed with a full chunks run"
            )
        return model
