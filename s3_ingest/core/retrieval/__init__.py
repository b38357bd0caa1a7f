"""Retrieval: documents cut into chunks, embedded, and searched by words and by meaning."""

from s3_ingest.core.retrieval.hits import ChunkHit, DocumentHit
from s3_ingest.core.retrieval.search import MODES, Results, Retriever, SearchError

__all__ = ["MODES", "ChunkHit", "DocumentHit", "Results", "Retriever", "SearchError"]
