"""The soak's deployment: LiveDeployment (`dagster dev` with the project's dagster.yaml, moto's S3
and SQS) with the project's fault proxy between the sources and S3, and what the soak does to
the deployment itself: kill a run worker with SIGKILL, restart `dagster dev`."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path
from typing import Any

from s3_ingest_tests.daemon.live import LiveDeployment
from s3_ingest_tests.local_s3_proxy import ProxySettings, S3Proxy

# What a source of the soak needs to ride out 20% faults: many quick attempts (a stall outlasts
# the read timeout, and is then tried again).
FAULT_TOLERANT = {"max_attempts": 12, "read_timeout": 1.0, "connect_timeout": 1.0}


class SoakDeployment(LiveDeployment):
    def __init__(self, root: Path, sources: dict[str, dict[str, Any]], fault_share: float,
                 seed: int) -> None:
        super().__init__(root, {name: {**FAULT_TOLERANT, **fields}
                                for name, fields in sources.items()})
        self.settings = ProxySettings(fault_share=fault_share, stall_s=1.5, seed=seed,
                                      restore_status=True)
        self.proxy: S3Proxy | None = None
        self.killed_runs: list[str] = []

    def _source(self, name: str, fields: dict[str, Any]) -> dict[str, Any]:
        if self.proxy is None:  # the server is up by now: the sources read through the proxy
            self.proxy = S3Proxy(self.server.endpoint_url, self.settings).start()
        entry = super()._source(name, fields)
        entry["endpoint"] = self.proxy.url
        return entry

    def restart(self, drain_s: float = 300) -> str:
        """Ctrl-C `dagster dev`, and start it again once its processes are gone."""
        how = self.stop_draining(drain_s)
        self.start()
        return how

    def stop(self) -> None:
        self.stop_draining(120)

    def stop_draining(self, drain_s: float) -> str:
        """Ctrl-C `dagster dev` and wait for its processes to go. The code server outlives
        `dagster dev` until the runs it executes finish (Dagster's graceful shutdown): those
        runs end as they would have; only past `drain_s` are they killed."""
        if self._instance is not None:
            self._instance.dispose()
            self._instance = None
        process, self.process = self.process, None
        how = "drained"
        if process is not None:
            os.kill(process.pid, signal.SIGINT)
            process.wait(timeout=120)
            deadline = time.monotonic() + drain_s
            while _group_alive(process.pid):
                if time.monotonic() > deadline:
                    os.killpg(process.pid, signal.SIGKILL)
                    how = f"killed after {drain_s:.0f} s"
                    break
                time.sleep(1)
        return how

    def kill_a_run_worker(self) -> str | None:
        """SIGKILL a run's worker - the process executing the run - with the step process it
        started, as when the machine or container running it dies: a run that is started and
        whose documents step has not finished (its writes not all made). Which process runs
        which run, the run's own event log says ("Started process for run (pid: N)")."""
        if self.process is None:
            return None
        for run in self.instance.get_runs():
            if run.status.value != "STARTED" or not run.job_name.endswith("_sync"):
                continue
            events = [e for e in self.instance.all_logs(run.run_id) if e.dagster_event]
            worker = next((int(m.group(1)) for e in events if (m := re.search(
                r"Started process for run \(pid: (\d+)\)", e.message or ""))), None)
            done = {e.step_key for e in events if e.dagster_event.event_type_value in
                    ("STEP_SUCCESS", "STEP_FAILURE", "STEP_UP_FOR_RETRY")}
            if worker is None or any(step and step.endswith("__documents") for step in done):
                continue
            tree = _descendants(worker, self.process.pid)
            if not tree:
                continue
            for pid in tree:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.killed_runs.append(run.run_id)
            return (f"{len(tree)} process(es) of {run.job_name} "
                    f"{run.tags.get('dagster/partition')} {run.run_id[:8]}")
        return None

    def __exit__(self, *exc: object) -> None:
        try:
            super().__exit__(*exc)
        finally:
            if self.proxy is not None:
                self.proxy.stop()


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False


def _descendants(root: int, group: int) -> list[int]:
    """`root` and every process below it, read from /proc - those of process group `group`
    only (`dagster dev`'s): a pid the event log names is never taken for another's."""
    children: dict[int, list[int]] = {}
    groups: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        groups[int(entry)] = int(fields[2])
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if groups.get(pid) != group:
            continue
        found.append(pid)
        todo += children.get(pid, [])
    return found
