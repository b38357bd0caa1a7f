"""`s3-ingest serve` (the HTTP API, with MCP at /mcp) and `s3-ingest mcp` (MCP over stdio):
issue 24. Both first give documents the principals of their sources' ACLs (one short write,
and only where an ACL changed), then open the index read-only."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("s3_ingest.serve")


def apply_source_acls(url: str, sources: list[Any] | None, base: Path | None) -> list[str]:
    """Apply the sources' ACLs to the index at `url` (created or migrated if need be); the
    names of the sources whose ACL changed. Without a sources file nothing is applied."""
    from s3_ingest.core.sources.acl import source_acls
    from s3_ingest.core.index import open_index, sqlite_path

    path = sqlite_path(url)
    if sources is None or (path is not None and not Path(path).expanduser().exists()):
        return []  # serving creates no index: the read-only open says what to run
    from s3_ingest.core.index.principals import apply_acls

    acls = source_acls(sources, base)
    with open_index(url) as index:
        return apply_acls(index, acls)


def build_service(url: str, *, workers: int, queue: int, deny_unlisted: bool) -> Any:
    from s3_ingest.serve.service import Limits, SearchService

    return SearchService(url, limits=Limits(workers=workers, queue=queue),
                         deny_unlisted=deny_unlisted)


def run_serve(url: str, tokens: Any, *, host: str, port: int, workers: int, queue: int,
              deny_unlisted: bool, preload: bool) -> None:
    import uvicorn

    from s3_ingest.serve import mcp_server
    from s3_ingest.serve.app import create_app

    service = build_service(url, workers=workers, queue=queue, deny_unlisted=deny_unlisted)
    _warn_anonymous(tokens)
    if preload:
        service.preload_embedder()
    app = create_app(service, tokens, mcp=mcp_server.build(service, tokens), host=host)
    log.info("serving %d tokens on http://%s:%d (MCP at /mcp/)", len(tokens), host, port)
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", access_log=True)
    finally:
        service.close()


def run_mcp_stdio(url: str, tokens: Any, *, workers: int, deny_unlisted: bool) -> None:
    from s3_ingest.serve import mcp_server

    caller = mcp_server.stdio_caller(tokens)
    service = build_service(url, workers=workers, queue=workers * 4, deny_unlisted=deny_unlisted)
    try:
        mcp_server.build(service, tokens, stdio_caller=caller).run(transport="stdio")
    finally:
        service.close()


def _warn_anonymous(tokens: Any) -> None:
    if tokens.anonymous is not None:
        log.warning("anonymous access is ON: requests without a token search as %s "
                    "(--allow-anonymous)", ", ".join(sorted(tokens.anonymous.principals)) or
                    "a caller with no principals")
