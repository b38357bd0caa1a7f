"""Retrieval: documents cut into chunks, embedded, and searched by words and by meaning.

Stage 7 of 7 (sources, s3, extraction, index, plan, sync, retrieval): it may import itself, the
core's root modules (documents.py, stage_cpu.py) and the stages before it (sources/, s3/,
extraction/, index/, plan/, sync/), and never defs/, cli/, serve/ or component/
(s3_ingest_tests/test_layout.py).
"""

from s3_ingest.core.retrieval.hits import ChunkHit, DocumentHit
from s3_ingest.core.retrieval.search import MODES, Results, Retriever, SearchError

__all__ = ["MODES", "ChunkHit", "DocumentHit", "Results", "Retriever", "SearchError"]
