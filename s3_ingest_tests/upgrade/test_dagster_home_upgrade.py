"""A DAGSTER_HOME with the runs of release v0.1.0 (a sync and a chunks run, fixtures/) still
loads this code location, keeps its runs and its dynamic partitions, and a sync by this code on
top of it and of v0.1.0's index succeeds and loses nothing."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET, LocalS3

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURES = HERE / "fixtures"
PARTITIONS = ["(root)", "handbook/", "reports/"]
OBJECTS = {
    "handbook/vacation.md": "# Vacation\n\nStaff take twenty days of paid leave each year.",
    "handbook/expenses.md": "# Expenses\n\nReceipts are filed within thirty days of travel.",
    "reports/q1.txt": "First quarter revenue grew by nine percent over the plan.",
    "readme.md": "The archive of the upgrade fixture bucket.",
}


@pytest.fixture
def deployment(tmp_path: Path):
    with tarfile.open(FIXTURES / "v0.1.0-dagster-home.tar.gz") as tar:
        tar.extractall(tmp_path, filter="data")
    shutil.copy(FIXTURES / "v0.1.0-index.db", tmp_path / "index.db")
    server = LocalS3().start()
    try:
        client = server.client()
        client.create_bucket(Bucket="upgrade-bucket")
        for key, text in OBJECTS.items():  # the same bytes: same etags as when indexed
            client.put_object(Bucket="upgrade-bucket", Key=key, Body=text.encode())
        client.put_object(Bucket="upgrade-bucket", Key="reports/2019-audit.txt", Body=b"cold",
                          StorageClass="GLACIER")
        (tmp_path / "sources.yaml").write_text(yaml.safe_dump({"sources": [{
            "name": "docs", "bucket": "upgrade-bucket", "endpoint": server.endpoint_url,
            "region": "us-east-1", "path_style": True,
            "credentials": {"access_key_id_env": "UPGRADE_KEY_ID",
                            "secret_access_key_env": "UPGRADE_SECRET"},
        }]}))
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("S3_INGEST_", "AWS_", "DAGSTER_"))}
        env |= {"UPGRADE_KEY_ID": DEMO_KEY_ID, "UPGRADE_SECRET": DEMO_SECRET,
                "DAGSTER_HOME": str(tmp_path / "dagster_home"),
                "S3_INGEST_SOURCES": str(tmp_path / "sources.yaml"),
                "S3_INGEST_INDEX_URL": str(tmp_path / "index.db")}
        yield tmp_path, env
    finally:
        server.stop()


def _texts(path: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(path) as conn:
        return {key: (status, text) for key, status, text
                in conn.execute("SELECT key, status, text FROM documents")}


def _instance(home: Path):
    from dagster import DagsterInstance
    from dagster._core.instance.ref import InstanceRef

    return DagsterInstance.from_ref(InstanceRef.from_dir(str(home)))


def test_a_v010_dagster_home_loads_the_code_location_and_keeps_its_partitions(deployment):
    root, env = deployment
    instance = _instance(root / "dagster_home")
    try:
        runs = instance.get_runs()
        assert len(runs) == 6 and {r.status.value for r in runs} == {"SUCCESS"}
        assert sorted(instance.get_dynamic_partitions("docs_prefixes")) == PARTITIONS
    finally:
        instance.dispose()

    # The code location, as `dagster dev -w workspace.yaml` loads it, on that instance.
    (root / "workspace.yaml").write_text((REPO / "workspace.yaml").read_text()
                                         .replace("working_directory: .",
                                                  f"working_directory: {REPO}"))
    loaded = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr

    # This release's sync on top (the objects were uploaded again here, so they are newer than
    # what v0.1.0 indexed): it succeeds, every document is still there with its text, and the
    # runs and partitions are kept.
    written = _texts(root / "index.db")
    synced = subprocess.run([sys.executable, "-m", "s3_ingest.cli.main", "sync"],
                            cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    instance = _instance(root / "dagster_home")
    try:
        assert len(instance.get_runs()) >= 6
        assert sorted(instance.get_dynamic_partitions("docs_prefixes")) == PARTITIONS
    finally:
        instance.dispose()
    after = _texts(root / "index.db")
    assert after == written and len(after) == 5
