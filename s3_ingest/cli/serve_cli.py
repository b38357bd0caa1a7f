"""The `serve` and `mcp` commands' options (issue 24); main.py registers them."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

EXIT_USAGE = 2

_index = click.option("--index", "index_url",
                      help="Index URL or path (default $S3_INGEST_INDEX_URL).")
_sources = click.option("--sources", "sources_path", type=click.Path(dir_okay=False),
                        help="Sources file whose ACLs to apply (default $S3_INGEST_SOURCES or "
                             "./sources.yaml, when it exists).")
_tokens = click.option("--tokens", "tokens_path", type=click.Path(dir_okay=False),
                       help="YAML file of tokens -> principals (default $S3_INGEST_SERVE_TOKENS).")
_deny = click.option("--deny-unlisted", is_flag=True,
                     help="Documents no ACL entry covers are hidden (default: visible to every "
                          "authenticated caller).")
_workers = click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64),
                        help="Search worker threads.")


def _prepare(index_url: str | None, sources_path: str | None, tokens_path: str | None,
             anonymous: tuple[str, ...] | None) -> tuple[str, object]:
    """The index URL and the tokens, with the sources' ACLs applied; exit 2 on bad config."""
    from s3_ingest.cli.serve_command import apply_source_acls
    from s3_ingest.core.index.location import resolve_index_url
    from s3_ingest.core.sources.model import SourcesFileError
    from s3_ingest.core.sources.loader import load_sources, sources_path as default_sources
    from s3_ingest.serve.auth import TokenConfigError, load_tokens

    url = resolve_index_url(index_url)
    try:
        tokens = load_tokens(tokens_path, anonymous_groups=None if anonymous is None
                             else list(anonymous))
        path = Path(sources_path) if sources_path else default_sources()
        sources = load_sources(path) if sources_path or path.exists() else None
        changed = apply_source_acls(url, sources, path.parent if sources else None)
    except (TokenConfigError, SourcesFileError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if sources is None:
        click.echo("note: no sources file: document principals are left as the index has them",
                   err=True)
    elif changed:
        click.echo(f"applied the ACLs of: {', '.join(changed)}", err=True)
    return url, tokens


@click.command()
@_index
@_sources
@_tokens
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@_workers
@click.option("--queue", default=32, show_default=True, type=click.IntRange(0, 10_000),
              help="Requests admitted beyond busy workers; more get 503 at once.")
@click.option("--allow-anonymous", "anonymous", multiple=True, metavar="GROUP",
              help="Serve requests without a token as members of GROUP (repeatable; give '' "
                   "for no group). Off unless given.")
@_deny
@click.option("--no-preload", is_flag=True, help="Load the embedding model on first use.")
def serve(index_url, sources_path, tokens_path, host, port, workers, queue, anonymous,
          deny_unlisted, no_preload) -> None:
    """Serve the index over HTTP: GET /search, /documents/{source}/{key}, /health, and MCP at
    /mcp/, for bearer tokens, each seeing only what its principals may."""
    from s3_ingest.cli.serve_command import run_serve
    from s3_ingest.core.index.readonly import IndexNotReady

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    given = tuple(g for g in anonymous if g) if anonymous else None
    url, tokens = _prepare(index_url, sources_path, tokens_path, given)
    try:
        run_serve(url, tokens, host=host, port=port, workers=workers, queue=queue,
                  deny_unlisted=deny_unlisted, preload=not no_preload)
    except IndexNotReady as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


@click.command()
@_index
@_sources
@_tokens
@_workers
@_deny
def mcp(index_url, sources_path, tokens_path, workers, deny_unlisted) -> None:
    """Serve the index to one agent over MCP on stdio, as the caller of $S3_INGEST_TOKEN."""
    from s3_ingest.cli.serve_command import run_mcp_stdio
    from s3_ingest.core.index.readonly import IndexNotReady
    from s3_ingest.serve.mcp_server import NotAllowed

    # stdout carries the protocol: logs go to stderr only.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    url, tokens = _prepare(index_url, sources_path, tokens_path, None)
    try:
        run_mcp_stdio(url, tokens, workers=workers, deny_unlisted=deny_unlisted)
    except (IndexNotReady, NotAllowed) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
