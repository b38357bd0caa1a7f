"""Every command - sync, chunks, status, failures, prune, search, demo - with a PostgreSQL index
URL that carries a password and an embeddings endpoint that needs a key, and DAGSTER_HOME set:
neither secret is in any command's stdout or stderr, nor anywhere under DAGSTER_HOME (run
storage, event logs, compute logs, snapshots)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from s3_ingest_tests.conftest import KEY_ENV, SECRET_ENV, put_objects
from s3_ingest_tests.postgres import fresh_database
from s3_ingest_tests.reliability.secret_places import EmbeddingsEndpoint, Secrets

CLI = [sys.executable, "-m", "s3_ingest.cli.main"]


@pytest.mark.postgres
def test_no_command_leaves_the_index_password_or_the_embedder_key(
    local_s3, s3_client, bucket, tmp_path
):
    put_objects(s3_client, bucket, {"a/kestrel.md": "# Kestrels\nThey hover over fields.",
                                    "b/owl.txt": "Owls hunt at night.",
                                    "b/broken.pdf": b"%PDF-1.4 not really a pdf"})
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [{
        "name": "docs", "bucket": bucket, "endpoint": local_s3.endpoint_url,
        "region": "us-east-1", "path_style": True, "max_attempts": 1,
        "credentials": {"access_key_id_env": KEY_ENV, "secret_access_key_env": SECRET_ENV},
    }]}))
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    secrets = Secrets.new()
    endpoint = EmbeddingsEndpoint(secrets.api_key)
    outputs: dict[str, str] = {}
    try:
        with fresh_database() as url:
            index_url = secrets.index_url(url)
            env = {k: v for k, v in os.environ.items() if not k.startswith("S3_INGEST_")}
            env |= {KEY_ENV: os.environ[KEY_ENV], SECRET_ENV: os.environ[SECRET_ENV],
                    "DAGSTER_HOME": str(home), "S3_INGEST_SOURCES": str(sources),
                    "S3_INGEST_INDEX_URL": index_url, **endpoint.env(secrets.api_key)}

            def run(*args: str, ok: tuple[int, ...] = (0,)) -> str:
                result = subprocess.run([*CLI, *args], cwd=tmp_path, env=env,
                                        capture_output=True, text=True, timeout=300)
                outputs[f"stdout of {' '.join(args)}"] = result.stdout
                outputs[f"stderr of {' '.join(args)}"] = result.stderr
                assert result.returncode in ok, (args, result.stdout, result.stderr)
                return result.stdout

            assert "indexed" in run("sync")
            run("sync", "-v", "--full")
            run("chunks")
            run("chunks", "-v", "--full")
            assert endpoint.authorised > 0  # the chunks really were embedded over HTTP
            run("status", ok=(0, 1))
            run("failures")
            run("failures", "--json")
            run("prune", "--dry-run")
            run("prune")
            assert "kestrel" in run("search", "kestrels", "--mode", "keyword").lower()
            run("search", "birds of prey", "--json")  # hybrid: embeds the query if it can
            run("search", "owls", "--index", index_url)
            # The demo keeps its own index, with these secrets in its environment.
            run("demo")
    finally:
        endpoint.stop()
    assert list(home.rglob("*.db")), "the runs were not stored under DAGSTER_HOME"
    assert secrets.leaks(home, outputs) == []
