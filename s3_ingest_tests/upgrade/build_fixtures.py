"""How the files in fixtures/ were made - run ONCE, by the release that wrote them (v0.1.0, index
schema version 3), never in CI: CI has only the newest tree, and the point of these files is that
an older release wrote them.

    git archive v0.1.0 | tar -x -C /tmp/v010
    PYTHONPATH=/tmp/v010 python s3_ingest_tests/upgrade/build_fixtures.py

It starts a local S3 (moto) with a small bucket (two folders, a loose object, an archived
object), then with that release's command line: `s3-ingest sync` and `s3-ingest chunks` into a
SQLite index, with DAGSTER_HOME on the project's dagster.yaml (so the runs and the dynamic
partitions are recorded); and a sync and chunks into a PostgreSQL database, dumped with pg_dump.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import uuid
from pathlib import Path

import yaml

from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET, LocalS3

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parents[1]
BUCKET = "upgrade-bucket"
OBJECTS = {
    "handbook/vacation.md": "# Vacation\n\nStaff take twenty days of paid leave each year.",
    "handbook/expenses.md": "# Expenses\n\nReceipts are filed within thirty days of travel.",
    "reports/q1.txt": "First quarter revenue grew by nine percent over the plan.",
    "readme.md": "The archive of the upgrade fixture bucket.",
}
ARCHIVED = "reports/2019-audit.txt"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _cli(env: dict[str, str], cwd: Path, *args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "s3_ingest.cli.main", *args], env=env,
                            cwd=cwd, capture_output=True, text=True, timeout=600)
    print(result.stdout, result.stderr, sep="\n")
    if result.returncode != 0:
        raise SystemExit(f"{args} failed")


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="s3i-fixtures-"))
    server = LocalS3().start()
    try:
        client = server.client()
        client.create_bucket(Bucket=BUCKET)
        for key, text in OBJECTS.items():
            client.put_object(Bucket=BUCKET, Key=key, Body=text.encode())
        client.put_object(Bucket=BUCKET, Key=ARCHIVED, Body=b"cold", StorageClass="GLACIER")
        sources = {"sources": [{
            "name": "docs", "bucket": BUCKET, "endpoint": "${UPGRADE_S3_ENDPOINT}",
            "region": "us-east-1", "path_style": True,
            "credentials": {"access_key_id_env": "UPGRADE_KEY_ID",
                            "secret_access_key_env": "UPGRADE_SECRET"},
        }]}
        (work / "sources.yaml").write_text(yaml.safe_dump(sources))
        home = work / "dagster_home"
        home.mkdir()
        shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("S3_INGEST_", "AWS_", "DAGSTER_"))}
        env |= {"UPGRADE_S3_ENDPOINT": server.endpoint_url, "UPGRADE_KEY_ID": DEMO_KEY_ID,
                "UPGRADE_SECRET": DEMO_SECRET, "DAGSTER_HOME": str(home),
                "S3_INGEST_SOURCES": str(work / "sources.yaml")}
        index = work / "index.db"
        _cli(env | {"S3_INGEST_INDEX_URL": str(index)}, work, "sync")
        _cli(env | {"S3_INGEST_INDEX_URL": str(index)}, work, "chunks")
        shutil.copy(index, FIXTURES / "v0.1.0-index.db")
        with tarfile.open(FIXTURES / "v0.1.0-dagster-home.tar.gz", "w:gz") as tar:
            tar.add(home, arcname="dagster_home",
                    filter=lambda info: None if info.name.endswith((".log", ".lock")) else info)

        import psycopg

        name = f"s3i_fixture_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_SERVER, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = PG_SERVER.rsplit("/", 1)[0] + "/" + name
        try:
            pg_env = {k: v for k, v in env.items() if k != "DAGSTER_HOME"}
            _cli(pg_env | {"S3_INGEST_INDEX_URL": url}, work, "sync")
            _cli(pg_env | {"S3_INGEST_INDEX_URL": url}, work, "chunks")
            dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", url],
                                  capture_output=True, text=True, check=True).stdout
            (FIXTURES / "v0.1.0-postgres.sql").write_text(dump)
        finally:
            with psycopg.connect(PG_SERVER, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
