"""At load, a PostgreSQL index without pgvector is named: a warning in the code location's log
and a line in each chunks asset's description, so nobody mistakes keyword results for hybrid."""

from __future__ import annotations

import logging
import os

from s3_ingest.core.index import is_postgres_url, open_index
from s3_ingest.defs.resources.index import INDEX_ENV_VAR

log = logging.getLogger("s3_ingest")


def vector_search_notice() -> str | None:
    url = os.environ.get(INDEX_ENV_VAR, "")
    if not is_postgres_url(url):
        return None  # SQLite: sqlite-vec ships with the package
    try:
        index = open_index(url)
        try:
            index.count()  # opens the schema, which checks for the extension
            notice = index.vector_search_unavailable
        finally:
            index.close()
    except Exception as exc:  # an unreachable server must not fail the load; runs will say so
        log.warning("could not check the index for pgvector at load: %s", type(exc).__name__)
        return None
    if notice:
        log.warning("index: %s", notice)
    return notice
