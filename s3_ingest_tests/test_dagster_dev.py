"""`dagster dev -w workspace.yaml` serves the code location, loaded without errors or warnings."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUERY = """{ workspaceOrError { ... on Workspace { locationEntries { name
  locationOrLoadError { __typename ... on PythonError { message } }
  ... on WorkspaceLocationEntry { loadStatus } } } } }"""
ASSETS = """{ assetNodes { assetKey { path } partitionDefinition { name } } }"""


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


def test_dagster_dev_serves_the_code_location(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The README's flow, `DAGSTER_HOME=$PWD dagster dev -w workspace.yaml` from the project
    # folder, on a copy of that folder's dagster.yaml and workspace.yaml (Dagster writes its
    # storage into DAGSTER_HOME; the copy keeps it out of the checkout).
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    workspace = (REPO / "workspace.yaml").read_text()
    assert "working_directory: ." in workspace
    (home / "workspace.yaml").write_text(
        workspace.replace("working_directory: .", f"working_directory: {REPO}"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("S3_INGEST_")}
    env["DAGSTER_HOME"] = str(home)
    env["S3_INGEST_SOURCES"] = str(REPO / "sources.yaml")  # the copy is not in the checkout
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml",
         "-h", "127.0.0.1", "-p", str(port)],
        cwd=home, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    try:
        deadline, entries = time.monotonic() + 120, None
        while time.monotonic() < deadline:
            try:
                entries = graphql(port, QUERY)["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["loadStatus"] == "LOADED":
                    break
            except OSError:
                pass
            time.sleep(1)
        assert entries, "the webserver never answered"
        [entry] = entries
        assert entry["name"] == "s3_ingest"
        assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
        nodes = graphql(port, ASSETS)["assetNodes"]
        assert {"path": ["sample", "documents"]} in [n["assetKey"] for n in nodes]
    finally:
        # Ctrl-C, as a user stops it: `dagster dev` then stops its code server and daemon itself
        # (signalling the whole group at once makes it warn that the code server died).
        os.kill(process.pid, signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
    # Dagster's note that `dagster dev` itself is superseded by `dg dev` is about the command,
    # not the code location, and so is the run-retry daemon's note on a new instance that it
    # starts its event cursors now (dagster.yaml turns run retries on); nothing else may warn.
    problems = [line for line in output.splitlines()
                if ("WARNING" in line or "ERROR" in line or "Warning:" in line)
                and "dev_command" not in line
                and not ("EventLogConsumerDaemon" in line and "No cursor for event type" in line)]
    assert problems == [], "\n".join(problems)
