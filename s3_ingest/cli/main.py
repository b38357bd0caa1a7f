"""`s3-ingest`: demo, sync and search from a terminal.

Exit codes: 0 success; 1 a run failed (a partition, or a source that could not be read);
2 bad usage or a bad sources file.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from s3_ingest.core.index import SearchFilters, open_index

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE = 0, 1, 2


def _quiet_run_config(verbose: bool) -> dict:
    # Quiet by default: the command prints its own line per partition, failures included,
    # so Dagster's own (stack-traced) failure events would only repeat it.
    level = "DEBUG" if verbose else "CRITICAL"
    return {"loggers": {"console": {"config": {"log_level": level}}}}


def _setup_logging(verbose: bool) -> None:
    from s3_ingest.cli.progress import setup_progress

    setup_progress()
    if not verbose:
        for name in ("dagster", "botocore", "urllib3", "werkzeug"):
            logging.getLogger(name).setLevel(logging.ERROR)


def _load_sources_or_exit(path: str | None):
    """The sources file, or exit 2 with the one message that names the source and field."""
    # Imported here: pydantic and yaml cost `search`, which reads no sources file, 0.25 s.
    from s3_ingest.core.sources.model import SourcesFileError
    from s3_ingest.core.sources.loader import load_sources

    try:
        return load_sources(path)
    except SourcesFileError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _open_existing_index(index_url: str | None, command: str | None = None):
    """The index, or exit 2 when its SQLite file does not exist: reading must create nothing."""
    from s3_ingest.core.index.location import resolve_index_url
    from s3_ingest.core.index import sqlite_path

    url = resolve_index_url(index_url)
    path = sqlite_path(url)
    if path is not None and not Path(path).expanduser().exists():
        from s3_ingest.cli.first_steps import no_index_message

        click.echo(f"error: {no_index_message(path, [command] if command else [])}", err=True)
        sys.exit(EXIT_USAGE)
    return open_index(url)


def _exit_if_demo_sources(sources, sources_path: str | None) -> None:
    """The checkout's sources.yaml is the demo's: outside the demo, say what to do instead."""
    from s3_ingest.cli.first_steps import demo_sources_message, only_demo_sources
    from s3_ingest.core.sources.loader import sources_path as default_sources_path

    if only_demo_sources(sources):
        click.echo(demo_sources_message(sources_path or str(default_sources_path())), err=True)
        sys.exit(EXIT_USAGE)


@click.group()
@click.version_option(package_name="s3_ingest")
def cli() -> None:
    """Keep a searchable index of S3 documents, through Dagster."""


@cli.command()
@click.option("--source", "source_name", help="Only this source.")
@click.option("--prefix", help="Only this prefix partition (e.g. reports/ or (root)).")
@click.option("--full", is_flag=True, help="Re-fetch and re-extract every object.")
@click.option("--force-delete", is_flag=True, help="Apply deletions past the delete guard.")
@click.option("--sources", "sources_path", type=click.Path(dir_okay=False), help="Sources file.")
@click.option("--index", "index_url", help="Index URL or path (default $S3_INGEST_INDEX_URL).")
@click.option("-v", "--verbose", is_flag=True, help="Show Dagster's own event log.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary instead of lines.")
@click.option("--no-chunks", is_flag=True,
              help="Documents only: no chunks, so no search by meaning for what changed.")
@click.option("--max-keys", default=20, show_default=True, type=click.IntRange(0),
              help="Changed keys to list; the rest are counted (--json lists them all).")
def sync(source_name, prefix, full, force_delete, sources_path, index_url, verbose,
         as_json, no_chunks, max_keys) -> None:
    """Bring the index in step with the sources: each changed partition's documents and their
    chunks (for search by meaning), through the sources' sync jobs, and print a summary."""
    from s3_ingest.cli.sync_command import run_sync

    _setup_logging(verbose)
    sources = _load_sources_or_exit(sources_path)
    _exit_if_demo_sources(sources, sources_path)
    if source_name:
        sources = [s for s in sources if s.name == source_name]
        if not sources:
            click.echo(f"error: no source named {source_name!r} in the sources file", err=True)
            sys.exit(EXIT_USAGE)
    config = {"full": full, "force_delete": force_delete}
    ok = run_sync(sources, index_url=index_url, prefix=prefix, config=config,
                  run_config_base=_quiet_run_config(verbose), as_json=as_json,
                  chunks=not no_chunks, max_keys=max_keys)
    sys.exit(EXIT_OK if ok else EXIT_RUN_FAILED)


@cli.command()
@click.argument("query")
@click.option("--source", help="Only documents of this source.")
@click.option("--prefix", "key_prefix", help="Only keys starting with this.")
@click.option("--tag", "tags", multiple=True, help="k=v; repeat to require several.")
@click.option("--content-type", help="Only this content type, e.g. application/pdf.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--mode", type=click.Choice(["keyword", "semantic", "hybrid"]),
              help="Default: hybrid once chunks exist, keyword before.")
@click.option("--chunks", "as_chunks", is_flag=True, help="Chunks, not documents.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per hit.")
@click.option("--index", "index_url", help="Index URL or path (default $S3_INGEST_INDEX_URL).")
@click.option("--min-similarity", type=click.FloatRange(-1.0, 1.0),
              help="Cosine below which a passage is no match by meaning "
                   "(default $S3_INGEST_MIN_SIMILARITY, else 0.22).")
def search(query, source, key_prefix, tags, content_type, limit, mode, as_chunks, as_json,
           index_url, min_similarity) -> None:
    """Search by words (BM25), by meaning (embeddings) or both (fused), with snippets."""
    from s3_ingest.cli.search_command import run_search
    from s3_ingest.core.index import sqlite_path
    from s3_ingest.core.index.location import resolve_index_url
    from s3_ingest.core.retrieval import SearchError

    parsed = {}
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not sep or not key:
            click.echo(f"error: --tag {tag!r} must look like key=value", err=True)
            sys.exit(EXIT_USAGE)
        parsed[key] = value
    url = resolve_index_url(index_url)
    path = sqlite_path(url)
    if path is not None and not Path(path).expanduser().exists():
        from s3_ingest.cli.first_steps import no_index_message

        click.echo(f"error: {no_index_message(path, ['search', query])}", err=True)
        sys.exit(EXIT_USAGE)
    filters = SearchFilters(source=source, key_prefix=key_prefix, tags=parsed,
                            content_type=content_type)
    try:
        run_search(url, query, filters, mode=mode, limit=limit, chunks=as_chunks,
                   as_json=as_json, min_similarity=min_similarity)
    except SearchError as exc:
        from s3_ingest.core.index.unavailable import redact

        click.echo(f"error: index {redact(url)}: {exc}", err=True)
        sys.exit(EXIT_USAGE)


@cli.command()
@click.option("--source", "source_name", help="Only this source.")
@click.option("--full", is_flag=True, help="Re-cut and re-embed everything (a model change).")
@click.option("--sources", "sources_path", type=click.Path(dir_okay=False), help="Sources file.")
@click.option("--index", "index_url", help="Index URL or path (default $S3_INGEST_INDEX_URL).")
@click.option("-v", "--verbose", is_flag=True, help="Show Dagster's own event log.")
def chunks(source_name, full, sources_path, index_url, verbose) -> None:
    """Cut and embed the chunks of every indexed partition (`sync` does this for what it
    changes; this re-runs them all, e.g. with --full after changing the embedding model)."""
    from s3_ingest.cli.chunks_runner import print_chunk_run, run_chunks
    from s3_ingest.cli.settings import cli_instance, index_resource_for

    _setup_logging(verbose)
    sources = _load_sources_or_exit(sources_path)
    sources = [s for s in sources if not source_name or s.name == source_name]
    runs = run_chunks(sources, index=index_resource_for(index_url), instance=cli_instance(),
                      full=full, run_config_base=_quiet_run_config(verbose),
                      on_partition=print_chunk_run)
    sys.exit(EXIT_OK if all(r.success for r in runs) else EXIT_RUN_FAILED)


@cli.command()
@click.option("--source", help="Only this source.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per object.")
@click.option("--index", "index_url", help="Index URL or path (default $S3_INGEST_INDEX_URL).")
def failures(source, as_json, index_url) -> None:
    """Objects not searchable by their text, and why: not fetched by their partition's last
    run, or indexed by metadata only (unsupported, extraction error, archived)."""
    from s3_ingest.cli.failures_command import print_failures

    index = _open_existing_index(index_url, "failures")
    try:
        print_failures(index, source, as_json)
    finally:
        index.close()


@cli.command()
@click.option("--sources", "sources_path", type=click.Path(dir_okay=False), help="Sources file.")
@click.option("--index", "index_url", help="Index URL or path (default $S3_INGEST_INDEX_URL).")
def status(sources_path, index_url) -> None:
    """Documents per source and partition, and each sensor's state and last tick.

    Exits 1 when a sensor's last tick failed (its error is printed)."""
    from s3_ingest.core.index.location import resolve_index_url
    from s3_ingest.cli.status_command import print_status
    from s3_ingest.core.index import sqlite_path

    sources = _load_sources_or_exit(sources_path)
    url = resolve_index_url(index_url)
    path = sqlite_path(url)
    index = None if path is not None and not Path(path).exists() else open_index(url)
    try:
        if index is not None:
            index.count()  # an index that cannot be opened is said before anything else
        sys.exit(print_status(sources, index))
    finally:
        if index is not None:
            index.close()


@cli.command()
@click.option("--dry-run", is_flag=True, help="Only say what would be removed, and what kept.")
@click.option("--force", is_flag=True, help="Apply removals past the delete guard's share.")
@click.option("--sources", "sources_path", type=click.Path(dir_okay=False), help="Sources file.")
@click.option("--index", "index_url", help="Index URL or path (default $S3_INGEST_INDEX_URL).")
def prune(dry_run, force, sources_path, index_url) -> None:
    """Remove documents of sources no longer in the sources file, of prefix partitions removed
    from Dagster (with DAGSTER_HOME) whose prefix has no objects left, and outside their prefix.

    Exits 1 when the delete guard held a removal back."""
    from s3_ingest.cli.prune_command import print_plan, prune_plan

    sources = _load_sources_or_exit(sources_path)
    index = _open_existing_index(index_url)  # pruning the demo's index is no next step
    try:
        plan, deleted, checked = prune_plan(index, sources, dry_run=dry_run, force=force)
    finally:
        index.close()
    sys.exit(print_plan(plan, deleted, dry_run=dry_run, partitions_checked=checked))


@cli.command()
@click.option("--ui", is_flag=True, help="Then open the Dagster UI on the demo data (Ctrl-C stops).")
@click.option("--port", default=3000, show_default=True, help="Dagster UI port, with --ui.")
@click.option("-v", "--verbose", is_flag=True, help="Show Dagster's own event log.")
def demo(ui, port, verbose) -> None:
    """Start a local S3 endpoint with the bundled sample, ingest it through Dagster, search it."""
    from s3_ingest.cli.demo_command import run_demo

    from s3_ingest.local_s3 import MissingDemoExtra

    _setup_logging(verbose)
    try:
        sys.exit(run_demo(ui=ui, ui_port=port, run_config_base=_quiet_run_config(verbose)))
    except MissingDemoExtra as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _register_serving() -> None:
    # Issue 24: `serve` and `mcp` live in serve_cli.py (their imports load only when run).
    from s3_ingest.cli.serve_cli import mcp, serve

    cli.add_command(serve)
    cli.add_command(mcp)


_register_serving()


def main() -> None:
    from s3_ingest.core.index.unavailable import IndexUnavailable

    try:
        cli(prog_name="s3-ingest")
    except IndexUnavailable as exc:  # one line naming the index and the fix, from every command
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


if __name__ == "__main__":
    main()
