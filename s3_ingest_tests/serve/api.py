"""An in-process API client for the serve tests: the app over a read-only index of the corpus,
with the hashing embedder (so hybrid search loads no model)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from s3_ingest.serve.app import create_app
from s3_ingest.serve.auth import load_tokens
from s3_ingest.serve.service import Limits, SearchService
from s3_ingest_tests.core.retrieval.fakes import HashingEmbedder
from s3_ingest_tests.serve.corpus import build_index, write_tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def api(url: str, tmp_path: Path, *, chunked: bool = True, limits: Limits = Limits(),
        deny_unlisted: bool = False, mcp: bool = False) -> Iterator[tuple[TestClient, SearchService]]:
    embedder = HashingEmbedder()
    build_index(url, embedder=embedder if chunked else None)
    service = SearchService(url, embedder=embedder, limits=limits, deny_unlisted=deny_unlisted)
    tokens = load_tokens(write_tokens(tmp_path))
    server = None
    if mcp:
        from s3_ingest.serve.mcp_server import build

        server = build(service, tokens)
    try:
        with TestClient(create_app(service, tokens, mcp=server)) as client:
            yield client, service
    finally:
        service.close()
