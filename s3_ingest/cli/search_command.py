"""`s3-ingest search`: keyword, semantic or hybrid, documents or chunks, text or JSON."""

from __future__ import annotations

import json
from typing import Any

import click

from s3_ingest.cli.snippets import plain_snippet
from s3_ingest.core.index import SearchFilters, SearchHit
from s3_ingest.core.retrieval import DocumentHit, Retriever


def run_search(url: str, query: str, filters: SearchFilters, *, mode: str | None, limit: int,
               chunks: bool, as_json: bool, min_similarity: float | None = None) -> int:
    from s3_ingest.core.retrieval.embedder_choice import embedder_from_env

    with Retriever(url, embedder=_Lazy(embedder_from_env),
                   min_similarity=min_similarity) as retriever:
        results = retriever.run(query, mode, filters, limit, chunks=chunks)  # type: ignore
    if results.note:
        click.echo(f"note: {results.note}", err=True)
    best = max((hit.score for hit in results.hits), default=0.0)
    for rank, hit in enumerate(results.hits, 1):
        # Raw scores are on each mode's own scale (BM25's can be 1e-06); relevance is the score
        # against the best hit's, 0 to 1, which reads the same in every mode.
        relevance = round(hit.score / best, 2) if best > 0 else 0.0
        if as_json:
            click.echo(json.dumps(_json(rank, hit, results.mode) | {"relevance": relevance},
                                  ensure_ascii=False))
        else:
            _text(rank, hit, results.mode, relevance)
    if not results.hits and not as_json:
        click.echo("no matches", err=True)
    return 0


def _chunk(hit: Any) -> dict[str, Any] | None:
    chunk = hit if not isinstance(hit, (DocumentHit, SearchHit)) else getattr(hit, "chunk", None)
    if chunk is None:
        return None
    return {"text": chunk.text, "heading": chunk.heading, "page": chunk.page,
            "position": chunk.position}


def matched_by(hit: Any, mode: str) -> list[str]:
    """The rankings a hit came from: a chunk's (keyword, semantic or both); a document found
    without chunks (metadata-only, or chunks behind) by keyword; before chunks, by the mode."""
    chunk = hit if not isinstance(hit, (DocumentHit, SearchHit)) else getattr(hit, "chunk", None)
    if chunk is None:
        return ["keyword"]
    return [name for name, rank in (("keyword", chunk.keyword_rank),
                                    ("semantic", chunk.semantic_rank)) if rank is not None]


def _json(rank: int, hit: Any, mode: str) -> dict[str, Any]:
    snippet = getattr(hit, "snippet", None) or getattr(hit, "text", "")
    return {
        "rank": rank, "mode": mode, "source": hit.source, "bucket": hit.bucket, "key": hit.key,
        "title": hit.title, "score": round(hit.score, 4), "snippet": snippet,
        "content_type": hit.content_type, "detected_type": hit.detected_type,
        "tags": hit.tags, "size": hit.size,
        "last_modified": hit.last_modified.isoformat(), "chunk": _chunk(hit),
        "matched_by": matched_by(hit, mode),
    }


def _text(rank: int, hit: Any, mode: str, relevance: float) -> None:
    chunk = _chunk(hit)
    where = ""
    if chunk:
        where = "".join([f"  § {chunk['heading']}" if chunk["heading"] else "",
                         f"  p.{chunk['page']}" if chunk["page"] else ""])
    click.echo(f"{rank:>2}. {hit.source}:{hit.key}  (relevance {relevance:.2f}, {mode}){where}")
    text = getattr(hit, "snippet", None) or (chunk or {}).get("text", "")
    words = plain_snippet(text)
    click.echo(f"    {words[:300]}{'…' if len(words) > 300 else ''}")


class _Lazy:
    """The embedder, built only if the search needs one (keyword search never loads a model)."""

    def __init__(self, build: Any) -> None:
        self._build, self._embedder = build, None

    def _get(self) -> Any:
        if self._embedder is None:
            self._embedder = self._build()
        return self._embedder

    @property
    def model(self) -> str:
        return self._get().model

    @property
    def dimension(self) -> int:
        return self._get().dimension

    def embed(self, texts: Any) -> Any:
        return self._get().embed(texts)
