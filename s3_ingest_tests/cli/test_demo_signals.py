"""`s3-ingest demo --ui` stopped by a signal - SIGTERM from a process manager, SIGHUP from a
closed terminal - stops every process it started and frees the UI's port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from s3_ingest_tests.cli.test_main import CLI


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def processes_with(marker: str) -> list[int]:
    """Pids whose environment names the demo's DAGSTER_HOME (every process the demo started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def ui_answers(port: int) -> bool:
    query = json.dumps({"query": "{ version }"}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return "version" in json.load(response).get("data", {})
    except (OSError, ValueError):
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
                         ids=["SIGTERM", "SIGHUP", "SIGINT-from-a-background-job"])
def test_a_signal_to_the_demo_stops_everything_it_started(tmp_path, sig):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "S3_INGEST_SOURCES")}
    command = [*CLI, "demo", "--ui", "--port", str(port)]
    if sig == signal.SIGINT:
        # Started as a shell's background job (`s3-ingest demo --ui &`), which inherits SIGINT
        # ignored - and so would `dagster dev`, unless the demo sees to it.
        command = ["bash", "-c", 'trap "" INT; exec "$@"', "demo", *command]
    process = subprocess.Popen(command, cwd=tmp_path,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    home = str((tmp_path / ".s3_ingest" / "demo" / "dagster_home").resolve())
    try:
        deadline = time.monotonic() + 240
        while not ui_answers(port) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(1)
        assert ui_answers(port), "the demo's UI never answered"
        assert len(processes_with(f"DAGSTER_HOME={home}")) >= 3  # webserver, daemon, code server
        os.kill(process.pid, sig)  # the demo alone, as a process manager or a hangup does
        output, _ = process.communicate(timeout=120)
        deadline = time.monotonic() + 30
        while processes_with(f"DAGSTER_HOME={home}") and time.monotonic() < deadline:
            time.sleep(0.5)
        left = processes_with(f"DAGSTER_HOME={home}")
    finally:
        # Whatever the outcome, this test leaves nothing running (the assertions come after).
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for pid in processes_with(f"DAGSTER_HOME={home}"):
            os.kill(pid, signal.SIGKILL)
    assert "local S3 endpoint stopped" in output
    assert left == []
    # What the UI showed: every run the demo launched is a run of the sample's jobs - its sync
    # job (chunks in the same runs) and its drift check - none an ephemeral `materialize()`
    # run (issue 19).
    from dagster import DagsterInstance

    with DagsterInstance.from_config(home) as instance:
        runs = instance.get_runs()
    assert runs and {run.job_name for run in runs} == {"sample_sync", "sample_drift"}
    with socket.socket() as probe:
        # Free again: nothing listens (connections the test made may linger in TIME_WAIT, which
        # SO_REUSEADDR lets a new server - and this probe - bind past, as the webserver does).
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen()
