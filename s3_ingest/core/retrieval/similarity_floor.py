"""The semantic side's similarity floor (issue 19): a chunk whose cosine similarity with the
query is below it is no semantic match, so a query nothing in the index relates to returns only
keyword hits, or none - not the nearest passages with a made-up relevance.

The ranking itself stays the backend's (the floor is applied to the rows it returns): vectors
rank by distance, so the chunks above the floor are a prefix of the semantic ranking and keep
their ranks; a chunk below it loses its semantic part of the fused score, and a chunk left
with no ranking at all is no hit.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from s3_ingest.core.retrieval.hits import ChunkHit

MIN_SIMILARITY_ENV = "S3_INGEST_MIN_SIMILARITY"
# Calibrated on the bench's retrieval corpus with all-MiniLM-L6-v2 (bench/similarity_floor.py;
# the README's "Search by meaning" gives the figures): the lowest floor that no query about
# nothing in the corpus reaches (their best was 0.215), which 44 of 47 questions' true
# matches clear (median 0.47).
DEFAULT_MIN_SIMILARITY = 0.22


def min_similarity_from_env(value: float | None = None) -> float:
    """`value` when given, else $S3_INGEST_MIN_SIMILARITY, else the calibrated default."""
    if value is None:
        raw = os.environ.get(MIN_SIMILARITY_ENV, "").strip()
        if not raw:
            return DEFAULT_MIN_SIMILARITY
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{MIN_SIMILARITY_ENV}={raw!r}: give a number between -1 and 1 "
                             "(e.g. 0.22; -1 keeps every semantic match)") from None
    if not -1.0 <= value <= 1.0:
        raise ValueError(f"a minimum similarity of {value} is no cosine: give one between "
                         "-1 and 1")
    return value


def apply_floor(index: Any, hits: Sequence[ChunkHit], query: Sequence[float], model: str,
                floor: float, rrf_k: int) -> list[ChunkHit]:
    """`hits` (best first) with semantic matches below `floor` taken out, re-ranked."""
    semantic = [h for h in hits if h.semantic_rank is not None]
    if not semantic:
        return list(hits)
    wanted: dict[str, set[str]] = defaultdict(set)
    for hit in semantic:
        wanted[hit.source].add(hit.key)
    vectors: dict[tuple[str, str, int], bytes] = {}
    for source, keys in wanted.items():
        for (key, position), blob in index.chunk_embeddings(source, keys, model).items():
            vectors[(source, key, position)] = blob
    q = np.asarray(query, dtype=np.float32)
    q_norm = float(np.linalg.norm(q)) or 1.0
    kept: list[ChunkHit] = []
    for hit in hits:
        blob = vectors.get((hit.source, hit.key, hit.position))
        if hit.semantic_rank is not None and blob is not None:
            v = np.frombuffer(blob, dtype=np.float32)
            similarity = float(v @ q) / ((float(np.linalg.norm(v)) or 1.0) * q_norm)
            if similarity < floor:
                if hit.keyword_rank is None:
                    continue
                hit = replace(hit, semantic_rank=None, score=1.0 / (rrf_k + hit.keyword_rank))
        kept.append(hit)
    kept.sort(key=lambda h: (-h.score, h.source, h.key, h.position))
    return kept
