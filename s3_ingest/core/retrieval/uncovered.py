"""Documents search by meaning cannot reach yet, found by keyword all the same (issue 19).

Two kinds of document have no chunks: metadata-only ones (a corrupt pdf, an image: nothing to
cut, but a key and a title to find them by), and ones whose chunks are behind their text
(changed or added since the last chunks run: chunk_coverage.py keeps their old chunks out of
search). Both are ranked by the documents' own keyword search over key, title and text, and
fused with the chunks' ranking by reciprocal rank, as a ranking of their own: a document at
keyword rank r scores 1 / (rrf_k + r), as a chunk found by keyword alone does.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from s3_ingest.core.index import SearchFilters
from s3_ingest.core.retrieval.hits import DocumentHit


def uncovered_hits(index: Any, query: str, filters: SearchFilters, depth: int,
                   rrf_k: int) -> list[DocumentHit]:
    """Keyword hits among documents without chunks, best first, scored as a fused ranking."""
    hits = index.search(query, filters, depth)
    by_source: dict[str, list[str]] = defaultdict(list)
    for hit in hits:
        by_source[hit.source].append(hit.key)
    covered = {source: index.keys_with_chunks(source, keys) for source, keys in by_source.items()}
    return [
        DocumentHit(hit.source, hit.bucket, hit.key, hit.title, 1.0 / (rrf_k + rank),
                    hit.snippet, hit.content_type, hit.tags, hit.size, hit.last_modified, None,
                    hit.detected_type)
        for rank, hit in enumerate(hits, 1) if hit.key not in covered[hit.source]
    ]


def merged(documents: list[DocumentHit], uncovered: list[DocumentHit],
           limit: int) -> list[DocumentHit]:
    both = documents + uncovered
    both.sort(key=lambda h: (-h.score, h.source, h.key))
    return both[:limit]


def behind_notice(count: int) -> str:
    return (f"{count} document{'s' if count != 1 else ''} changed or added since "
            f"{'their' if count != 1 else 'its'} chunks were cut: found by keyword only until "
            "`s3-ingest sync` cuts and embeds "
            f"{'them' if count != 1 else 'it'} (`s3-ingest status` counts them)")
