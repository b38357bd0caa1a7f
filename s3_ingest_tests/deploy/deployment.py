"""A deployment of s3_ingest on this machine, driven as production drives one: processes that
each get the same environment and start runs of a source's sync job (`dagster job execute`, the
job run in that process with the executor its definitions name). Used by the fleet tests.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from s3_ingest.local_s3 import DEMO_KEY_ID, DEMO_SECRET
from s3_ingest_tests.conftest import KEY_ENV, SECRET_ENV

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[2]


def deployment_env(
    root: Path, endpoint: str, bucket: str, executor: str, index_url: str
) -> dict[str, str]:
    """What every process of the deployment is given (run processes and workers alike): one
    DAGSTER_HOME (its instance), the sources file of one source `docs`, the index, the
    executor and the credentials. The project's own dagster.yaml is the instance."""
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    source = {"name": "docs", "bucket": bucket, "endpoint": endpoint, "region": "us-east-1",
              "path_style": True, "max_attempts": 2,
              "credentials": {"access_key_id_env": KEY_ENV, "secret_access_key_env": SECRET_ENV}}
    (root / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("S3_INGEST_", "AWS_", "DAGSTER_"))}
    return env | {
        "DAGSTER_HOME": str(home),
        "S3_INGEST_SOURCES": str(root / "sources.yaml"),
        "S3_INGEST_INDEX_URL": index_url,
        "S3_INGEST_EXECUTOR": executor,
        KEY_ENV: DEMO_KEY_ID, SECRET_ENV: DEMO_SECRET,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(root / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(root / "no-aws-credentials"),
    }


def launch_sync(env: dict[str, str], cwd: Path, partition: str, *config: Path) -> subprocess.Popen:
    """A run of docs_sync for one partition, as `dagster job execute` starts one: the run's
    process executes the job with the executor its definitions name."""
    config_args = [arg for path in config for arg in ("-c", str(path))]
    return subprocess.Popen(
        [str(BIN / "dagster"), "job", "execute", "-m", "s3_ingest.definitions", "-j",
         "docs_sync", *config_args, "--tags", json.dumps({"dagster/partition": partition})],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )


def finish(process: subprocess.Popen, timeout_s: float) -> str:
    """The process's output once it exited; killed (its whole group) after timeout_s."""
    try:
        output, _ = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        raise AssertionError(f"not done within {timeout_s:.0f} s:\n{output[-4000:]}") from None
    return output[-4000:]
