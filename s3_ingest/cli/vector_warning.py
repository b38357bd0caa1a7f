"""Where the index cannot search by meaning (PostgreSQL without pgvector), `sync` and `status`
say so before anything else (issue 19): chunks are still embedded and stored, so nothing is lost,
but nobody should learn it first from a search that quietly ran on keywords."""

from __future__ import annotations

from typing import Any

import click

from s3_ingest.core.index import is_postgres_url, open_index


def vector_search_warning(index: Any) -> str | None:
    """The index's reason it cannot compare vectors, or None when it can."""
    index.count()  # opens the schema, which checks for the extension
    notice = index.vector_search_unavailable
    if not notice:
        return None
    return (f"{notice}. Chunks are still embedded and kept, and become searchable by meaning "
            "once the extension is installed (no re-embedding)")


def echo_vector_warning(index_url: str | None = None, index: Any = None) -> None:
    """Print the warning (stderr) for an open `index`, or for the index at `index_url`."""
    if index is None:
        from s3_ingest.core.index.location import resolve_index_url

        url = resolve_index_url(index_url)
        if not is_postgres_url(url):
            return  # SQLite: sqlite-vec ships with the package
        with open_index(url) as opened:
            warning = vector_search_warning(opened)
    else:
        warning = vector_search_warning(index)
    if warning:
        click.echo(f"note: {warning}", err=True)
