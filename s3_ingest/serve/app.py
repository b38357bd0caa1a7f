"""The HTTP search API (issue 24): FastAPI, run by uvicorn (`s3-ingest serve`).

    GET /search?query=...&mode=&limit=&source=&prefix=&tag=k=v&content_type=&chunks=
    GET /documents/{source}/{key}
    GET /health
    GET /openapi.json
    /mcp                       the MCP server (mcp_server.py), streamable HTTP

Every route but /health and /openapi.json needs `Authorization: Bearer <token>` (auth.py);
search returns only what the token's principals may see (core/index/principals.py).
"""


import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from s3_ingest.core.index import SearchFilters
from s3_ingest.core.retrieval import SearchError
from s3_ingest.serve.auth import Caller, TokenStore
from s3_ingest.serve.service import Busy, SearchService

log = logging.getLogger(__name__)

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="s3_ingest"'}
MAX_KEY_CHARS = 1024  # S3's own limit on a key
MAX_NAME_CHARS = 256
MAX_TAGS = 20


class Chunk(BaseModel):
    text: str
    heading: str | None
    page: int | None
    position: int


class Hit(BaseModel):
    """One hit, with the fields of `s3-ingest search --json`."""

    model_config = ConfigDict(extra="allow")
    rank: int
    mode: str
    source: str
    bucket: str
    key: str
    title: str | None
    score: float
    snippet: str
    content_type: str | None
    tags: dict[str, str]
    size: int
    last_modified: str
    chunk: Chunk | None
    relevance: float


class SearchResponse(BaseModel):
    mode: str
    note: str | None
    hits: list[Hit]


class DocumentResponse(BaseModel):
    model_config = ConfigDict(extra="allow")
    source: str
    bucket: str
    key: str
    title: str | None
    content_type: str | None
    size: int
    etag: str
    last_modified: str
    version_id: str | None
    tags: dict[str, str]
    metadata: dict[str, Any]
    status: str
    reason: str | None
    text: str | None


class Problem(BaseModel):
    detail: str


def create_app(service: SearchService, tokens: TokenStore, *, mcp: Any = None,
               host: str = "127.0.0.1") -> FastAPI:
    """The API over `service`, for the callers of `tokens`; `mcp` (mcp_server.build) is
    mounted at /mcp behind the same tokens (`host`: where the server listens, for the SDK's
    DNS rebinding protection)."""
    mcp_app = None
    if mcp is not None:
        from s3_ingest.serve.mcp_server import http_app

        mcp_app = http_app(mcp, tokens, host)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            if mcp is not None:
                await stack.enter_async_context(mcp.session_manager.run())
            yield

    app = FastAPI(title="s3_ingest search", version="1", lifespan=lifespan,
                  description="Search the s3_ingest index; results are filtered by the "
                              "principals of the caller's token.")
    bearer = HTTPBearer(auto_error=False, description="A token from the server's tokens file.")
    limits = service.limits
    failures = {401: {"model": Problem}, 503: {"model": Problem}}

    async def caller(credentials: Annotated[HTTPAuthorizationCredentials | None,
                                            Depends(bearer)]) -> Caller:
        found = tokens.caller(credentials.credentials if credentials else None)
        if found is None:
            # The same words for a missing and a wrong token, and never the token itself.
            raise HTTPException(401, "a valid bearer token is required", headers=CHALLENGE)
        return found

    @app.exception_handler(Busy)
    async def busy(_: Request, exc: Busy) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(SearchError)
    async def unsearchable(_: Request, exc: SearchError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.get("/search", response_model=SearchResponse,
             responses={400: {"model": Problem}, **failures})
    async def search(
        who: Annotated[Caller, Depends(caller)],
        query: Annotated[str, Query(min_length=1, max_length=limits.max_query_chars,
                                    description="Words, \"phrases\" and prefix* terms.")],
        mode: Annotated[Literal["keyword", "semantic", "hybrid"] | None, Query(
            description="Default: hybrid once chunks exist, keyword before.")] = None,
        limit: Annotated[int, Query(ge=1, le=limits.max_limit)] = 10,
        source: Annotated[str | None, Query(max_length=MAX_NAME_CHARS)] = None,
        prefix: Annotated[str | None, Query(max_length=MAX_KEY_CHARS,
                                            description="Only keys starting with this.")] = None,
        tag: Annotated[list[str], Query(max_length=MAX_TAGS,
                                        description="key=value; repeat to require several.")] = [],
        content_type: Annotated[str | None, Query(max_length=MAX_NAME_CHARS)] = None,
        chunks: Annotated[bool, Query(description="Chunks, not documents.")] = False,
    ) -> dict[str, Any]:
        filters = SearchFilters(source=source, key_prefix=prefix, tags=_tags(tag),
                                content_type=content_type)
        work = functools.partial(service.search, who, query, filters, mode=mode, limit=limit,
                                 chunks=chunks)
        result = await service.run(work)
        log.info("search by %s: %d hits (%s)", who.name, len(result["hits"]), result["mode"])
        return result

    @app.get("/documents/{source}/{key:path}", response_model=DocumentResponse,
             responses={404: {"model": Problem}, **failures})
    async def document(
        who: Annotated[Caller, Depends(caller)],
        source: Annotated[str, Path(max_length=MAX_NAME_CHARS)],
        key: Annotated[str, Path(max_length=MAX_KEY_CHARS)],
    ) -> dict[str, Any]:
        found = await service.run(service.document, who, source, key)
        if found is None:
            raise HTTPException(404, f"no document {key!r} in source {source!r} that this "
                                     "token may read")
        return found

    @app.get("/health", responses={503: {"model": Problem}})
    async def health() -> JSONResponse:
        # Not on the search pool: a full pool must not make the server look dead.
        report = await run_in_threadpool(service.health)
        return JSONResponse(report, status_code=200 if report["index"]["reachable"] else 503)

    if mcp_app is not None:
        app.mount("/mcp", mcp_app)
    return app


def _tags(given: list[str]) -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in given:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise HTTPException(422, f"tag {item[:80]!r} must look like key=value")
        parsed[key] = value
    return parsed
