"""The MCP server for agents (issue 24), on the official `mcp` SDK: a `search` tool and a
`get_document` tool, over stdio (`s3-ingest mcp`) or streamable HTTP (mounted at /mcp by
`s3-ingest serve`), under the same tokens and principals as the HTTP API.

Who is asking: over HTTP, the bearer token of each request (a request without a valid one is
answered 401 before it reaches the SDK); over stdio, the token in $S3_INGEST_TOKEN, checked
once at start - the process serves the one client that started it.
"""


import functools
import os
from typing import Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from starlette.responses import JSONResponse

from s3_ingest.core.index import SearchFilters
from s3_ingest.serve.auth import Caller, TokenStore, bearer
from s3_ingest.serve.service import SearchService

TOKEN_ENV_VAR = "S3_INGEST_TOKEN"


class NotAllowed(PermissionError):
    pass


def build(service: SearchService, tokens: TokenStore, *, stdio_caller: Caller | None = None
          ) -> MCPServer:
    """The MCP server; `stdio_caller` is who a stdio session searches for."""
    mcp = MCPServer("s3_ingest", log_level="WARNING",
                    instructions="Search the organisation's documents indexed from S3.")

    def caller_of(ctx: Context) -> Caller:
        headers = ctx.headers
        if headers is None:
            if stdio_caller is None:
                raise NotAllowed("no caller: set S3_INGEST_TOKEN")
            return stdio_caller
        # The token is verified here, on every call, not trusted for having passed the door.
        found = tokens.caller(bearer(headers.get("authorization")))
        if found is None:
            raise NotAllowed("a valid bearer token is required")
        return found

    @mcp.tool()
    async def search(
        query: str,
        ctx: Context,
        mode: Literal["keyword", "semantic", "hybrid"] | None = None,
        limit: int = 10,
        source: str | None = None,
        prefix: str | None = None,
        tags: dict[str, str] | None = None,
        content_type: str | None = None,
        chunks: bool = False,
    ) -> dict[str, Any]:
        """Search the document index by words (keyword), by meaning (semantic) or both
        (hybrid). Returns hits best first, each with source, key, title, snippet and score;
        only documents the caller may read. Filter by source, key prefix, tags (all must match)
        or content type; `chunks` returns passages rather than whole documents."""
        who = caller_of(ctx)
        if not query or len(query) > service.limits.max_query_chars:
            raise ValueError(f"query must be 1 to {service.limits.max_query_chars} characters")
        if not 1 <= limit <= service.limits.max_limit:
            raise ValueError(f"limit must be between 1 and {service.limits.max_limit}")
        filters = SearchFilters(source=source, key_prefix=prefix, tags=dict(tags or {}),
                                content_type=content_type)
        work = functools.partial(service.search, who, query, filters, mode=mode, limit=limit,
                                 chunks=chunks)
        return await service.run(work)

    @mcp.tool()
    async def get_document(source: str, key: str, ctx: Context) -> dict[str, Any]:
        """One document's metadata and full text, by its source and key (as search returns
        them)."""
        found = await service.run(service.document, caller_of(ctx), source, key)
        if found is None:
            raise ValueError(f"no document {key!r} in source {source!r} that this caller may read")
        return found

    return mcp


def http_app(mcp: MCPServer, tokens: TokenStore, host: str) -> Any:
    """The SDK's streamable HTTP app (stateless, JSON answers) behind the bearer tokens: 401
    without one. Its lifespan is not run by a mount: the caller runs `mcp.session_manager`."""
    app = mcp.streamable_http_app(streamable_http_path="/", stateless_http=True,
                                  json_response=True, host=host)
    return authenticated(app, tokens)


def authenticated(app: Any, tokens: TokenStore) -> Any:
    """`app` behind the bearer tokens: 401 without a valid one."""

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                       for k, v in scope.get("headers", [])}
            if tokens.caller(bearer(headers.get("authorization"))) is None:
                response = JSONResponse({"detail": "a valid bearer token is required"},
                                        status_code=401,
                                        headers={"WWW-Authenticate": 'Bearer realm="s3_ingest"'})
                await response(scope, receive, send)
                return
        await app(scope, receive, send)

    return guarded


def stdio_caller(tokens: TokenStore) -> Caller:
    """The caller of a stdio session, from $S3_INGEST_TOKEN."""
    found = tokens.caller(os.environ.get(TOKEN_ENV_VAR) or None)
    if found is None:
        raise NotAllowed(f"${TOKEN_ENV_VAR} holds no valid token (it is never echoed)")
    return found
