"""`s3-ingest demo`: the whole product on the bundled sample, with nothing to set up.

Starts a local S3 endpoint (moto's server on 127.0.0.1, a free port), uploads the sample corpus,
ingests every partition through the real Dagster assets, prints the index counts and a search,
and stops the endpoint. With --ui it then keeps the endpoint up and opens the Dagster UI on the
same instance, so the demo's runs and materializations are there to look at.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
from dagster import DagsterInstance

from s3_ingest.cli.first_steps import DEMO_INDEX, demo_next_steps
from s3_ingest.cli.runner import SourcePlan, check_drift, sync
from s3_ingest.cli.snippets import plain_snippet
from s3_ingest.cli.sync_command import print_partition, print_scan, print_summary
from s3_ingest.core.index import SearchFilters, open_index
from s3_ingest.core.retrieval import Retriever
from s3_ingest.core.retrieval.embedder_choice import (
    KEY_ENV,
    LOCAL_MODEL_ENV,
    LOCAL_REVISION_ENV,
    LOCAL_SHA256_ENV,
    MODEL_ENV,
    URL_ENV,
)
from s3_ingest.core.retrieval.local_minilm import LocalMiniLM
from s3_ingest.core.sources.loader import load_sources
from s3_ingest.defs.resources.index import INDEX_ENV_VAR, IndexResource
from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET, LocalS3, upload_tree
from s3_ingest.sample import ARCHIVED_KEY, BUCKET, CORPUS_DIR, SOURCES_FILE

DEMO_DIR = DEMO_INDEX.parent
DEMO_QUERIES = ("retention policy", "invoice")
# Shares no word with the document that answers it (handbook/vacation-policy.md): keyword
# search finds nothing, search by meaning finds it.
DEMO_SEMANTIC_QUERY = "staff leave rules"

EMBEDDER_ENV_VARS = (URL_ENV, MODEL_ENV, KEY_ENV)
LOCAL_MODEL_ENV_VARS = (LOCAL_MODEL_ENV, LOCAL_REVISION_ENV, LOCAL_SHA256_ENV)


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
            hits = index.search(query, SearchFilters(source="sample"), limit=3)
            best = max((h.score for h in hits), default=0.0) or 1.0
            for hit in hits:
                click.echo(f"  {hit.key}  (relevance {hit.score / best:.2f})\n"
                           f"    {plain_snippet(hit.snippet)}")
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
    home = Path(env["DAGSTER_HOME"])
    # The same code location name as the project's workspace.yaml gives it.
    (home / "workspace.yaml").write_text(
        "load_from:\n  - python_module:\n      module_name: s3_ingest.definitions\n"
        "      location_name: s3_ingest\n")
    command = [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml",
               "-h", "127.0.0.1", "-p", str(port)]
    # From the demo's own DAGSTER_HOME: a project folder's dagster.yaml in the current directory
    # would make Dagster warn that it is not the instance in use. In a process group of its
    # own, so that however the demo is stopped - Ctrl-C, SIGTERM, SIGHUP - it stops the whole
    # of `dagster dev` (webserver, daemon, code server) with it, and nothing is left behind.
    started: list[subprocess.Popen] = []
    stopping: list[int] = []

    def stop(signum: int, frame: object) -> None:
        stopping.append(signum)
        for process in started:
            _signal_group(process, signal.SIGINT)

    # Handled here before `dagster dev` starts: a signal this process inherited as ignored (a
    # job started in the background ignores SIGINT) is then at its default in the child, so
    # the Ctrl-C the demo passes on reaches it.
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, stop) for sig in signals}
    try:
        started.append(subprocess.Popen(command, env=os.environ | env, cwd=home,
                                        start_new_session=True))
        while started[0].poll() is None and not stopping:
            time.sleep(0.2)
    finally:
        if started:
            if stopping:  # again: the signal may have come before `dagster dev` had started
                _signal_group(started[0], signal.SIGINT)
            _stop_group(started[0])
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def _stop_group(process: subprocess.Popen, grace_s: float = 60.0) -> None:
    """Wait for `dagster dev` to stop its children; past the grace, kill what is left."""
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        if process.poll() is None:
            try:
                process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
        else:
            time.sleep(0.5)
    _signal_group(process, signal.SIGKILL)


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
        # The demo is the bundled sample on the bundled offline model, whatever embedder the
        # shell names for the user's own sources: its runs, searches and UI all use that model.
        for name in (*EMBEDDER_ENV_VARS, *LOCAL_MODEL_ENV_VARS):
            os.environ.pop(name, None)
        if ui:
            home = (DEMO_DIR / "dagster_home").resolve()
            home.mkdir()
            (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
            env["DAGSTER_HOME"] = os.environ["DAGSTER_HOME"] = str(home)
            instance = DagsterInstance.get()
        else:
            instance = DagsterInstance.ephemeral()
        scans: dict[str, SourcePlan] = {}

        def on_scan(source: str, planned: SourcePlan) -> None:
            scans[source] = planned
            print_scan(source, planned)

        runs = sync(
            load_sources(SOURCES_FILE),
            index=IndexResource(url=index_url),
            instance=instance,
            run_config_base=run_config_base,
            on_partition=print_partition,  # a first sync: every key is new, none listed
            on_scan=on_scan,
        )
        print_summary(runs, scans)  # each partition's run cut and embedded its chunks too
        for source in load_sources(SOURCES_FILE):
            drift = check_drift(source, IndexResource(url=index_url), instance)
            click.echo(f"\ndrift check {source.name}: " + (
                "could not run" if drift is None else
                f"{'in step' if drift.passed else 'DRIFTED'} "
                f"({drift.metadata['Partitions'].value} partitions compared with the bucket)"))
        _print_index(index_url)
        ok = bool(runs) and all(r.success for r in runs)
        for line in demo_next_steps(DEMO_INDEX, DEMO_SEMANTIC_QUERY):
            click.echo(line)
        if ui:
            _open_ui(env, ui_port)
    click.echo("\nlocal S3 endpoint stopped")
    return 0 if ok else 1
