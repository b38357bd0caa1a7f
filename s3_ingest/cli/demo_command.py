"""`s3-ingest demo`: the whole product on the bundled sample, with nothing to set up.

Starts a local S3 endpoint (moto's server on 127.0.0.1, a free port), uploads the sample corpus,
ingests every partition through the real Dagster assets, prints the index counts and a search,
and stops the endpoint. With --ui it then keeps the endpoint up and opens the Dagster UI on the
same instance, so the demo's runs and materializations are there to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from dagster import DagsterInstance

from s3_ingest.cli.runner import sync
from s3_ingest.cli.sync_command import print_partition, print_scan, print_summary
from s3_ingest.cli.chunks_runner import print_chunk_run, run_chunks
from s3_ingest.core.index import SearchFilters, open_index
from s3_ingest.core.retrieval import Retriever
from s3_ingest.core.retrieval.local_minilm import LocalMiniLM
from s3_ingest.defs.resources.embedder import LocalEmbedderResource
from s3_ingest.core.sources import load_sources
from s3_ingest.defs.resources.index import INDEX_ENV_VAR, IndexResource
from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET, LocalS3, upload_tree
from s3_ingest.sample import ARCHIVED_KEY, BUCKET, CORPUS_DIR, SOURCES_FILE

DEMO_DIR = Path(".s3_ingest") / "demo"
DEMO_QUERIES = ("retention policy", "invoice")
# Shares no word with the document that answers it (handbook/vacation-policy.md): keyword
# search finds nothing, search by meaning finds it.
DEMO_SEMANTIC_QUERY = "staff leave rules"


def _demo_env(endpoint: str) -> dict[str, str]:
    return {
        "S3_INGEST_DEMO_ENDPOINT": endpoint,
        "S3_INGEST_DEMO_ACCESS_KEY_ID": DEMO_KEY_ID,
        "S3_INGEST_DEMO_SECRET_ACCESS_KEY": DEMO_SECRET,
    }


def _seed(s3: LocalS3) -> int:
    client = s3.client()
    count = upload_tree(client, BUCKET, CORPUS_DIR)
    client.put_object(
        Bucket=BUCKET,
        Key=ARCHIVED_KEY,
        Body=b"Audit notes from 2019, kept in cold storage.",
        ContentType="text/plain",
        StorageClass="GLACIER",
    )
    return count + 1


def _print_index(index_url: str) -> None:
    index = open_index(index_url)
    try:
        by_status = index.counts_by_status("sample")
        click.echo(
            f"\nindex {index_url}: {index.count('sample')} documents ("
            + ", ".join(f"{status} {n}" for status, n in sorted(by_status.items()))
            + ")"
        )
        for query in DEMO_QUERIES:
            click.echo(f'\nsearch "{query}":')
            for hit in index.search(query, SearchFilters(source="sample"), limit=3):
                click.echo(f"  {hit.key}  ({hit.score:.3g})\n    {' '.join(hit.snippet.split())}")
        users = index.search("notes", SearchFilters(tags={"user": "u-1"}), limit=3)
        click.echo('\nsearch "notes" with tag user=u-1: ' + ", ".join(h.key for h in users))
        with Retriever(index, LocalMiniLM()) as retriever:
            for mode in ("keyword", "hybrid"):
                hits = retriever.search(DEMO_SEMANTIC_QUERY, mode, limit=3)  # type: ignore
                click.echo(f'\nsearch "{DEMO_SEMANTIC_QUERY}" --mode {mode}: '
                           + (", ".join(h.key for h in hits) or "no matches"))
                for hit in hits[:1]:
                    click.echo(f"    § {hit.chunk.heading}: {hit.snippet}")
    finally:
        index.close()


def _open_ui(env: dict[str, str], port: int) -> None:
    click.echo(f"\nDagster UI on http://127.0.0.1:{port} (Ctrl-C stops it and the S3 endpoint)")
    command = [sys.executable, "-m", "dagster", "dev", "-m", "s3_ingest.definitions",
               "-h", "127.0.0.1", "-p", str(port)]
    try:
        # From the demo's own DAGSTER_HOME: a project folder's dagster.yaml in the current
        # directory would make Dagster warn that it is not the instance in use.
        subprocess.run(command, env=os.environ | env, cwd=env["DAGSTER_HOME"], check=False)
    except KeyboardInterrupt:
        pass


def run_demo(*, ui: bool, ui_port: int, run_config_base: dict[str, Any]) -> int:
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)  # every demo starts from an empty index
    DEMO_DIR.mkdir(parents=True)
    index_url = str(DEMO_DIR / "index.db")
    with LocalS3() as s3:
        click.echo(f"local S3 endpoint {s3.endpoint_url}: uploading the sample corpus")
        click.echo(f"uploaded {_seed(s3)} objects to s3://{BUCKET}/")
        env = _demo_env(s3.endpoint_url) | {"S3_INGEST_SOURCES": str(SOURCES_FILE.resolve()),
                                             INDEX_ENV_VAR: str(Path(index_url).resolve())}
        os.environ.update(env)
        if ui:
            home = (DEMO_DIR / "dagster_home").resolve()
            home.mkdir()
            (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
            env["DAGSTER_HOME"] = os.environ["DAGSTER_HOME"] = str(home)
            instance = DagsterInstance.get()
        else:
            instance = DagsterInstance.ephemeral()
        runs = sync(
            load_sources(SOURCES_FILE),
            index=IndexResource(url=index_url),
            instance=instance,
            run_config_base=run_config_base,
            on_partition=print_partition,
            on_scan=print_scan,
        )
        print_summary(runs)
        click.echo("chunks and embeddings (all-MiniLM-L6-v2, offline):")
        chunk_runs = run_chunks(
            load_sources(SOURCES_FILE), index=IndexResource(url=index_url),
            embedder=LocalEmbedderResource(), instance=instance,
            run_config_base=run_config_base, on_partition=print_chunk_run,
        )
        _print_index(index_url)
        ok = bool(runs) and all(r.success for r in runs + chunk_runs)
        if ui:
            _open_ui(env, ui_port)
    click.echo("\nlocal S3 endpoint stopped")
    return 0 if ok else 1
