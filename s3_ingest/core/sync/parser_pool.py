"""One set of parser worker processes per process (and per limit), shared by every run."""

from __future__ import annotations

import os
import threading

from s3_ingest.core.extraction import ExtractionSandbox

_sandboxes: dict[tuple[float, int], ExtractionSandbox] = {}
_sandboxes_lock = threading.Lock()


def shared_sandbox(timeout_s: float, max_file_size: int) -> ExtractionSandbox:
    """pdf and docx parse in these workers, under a time limit and a memory limit a few times
    the largest object the source may fetch."""
    memory_mb = max(1024, 4 * max_file_size // (1024 * 1024))
    with _sandboxes_lock:
        sandbox = _sandboxes.get((timeout_s, memory_mb))
        if sandbox is None or sandbox.closed:
            sandbox = ExtractionSandbox(
                workers=max(1, min(4, os.cpu_count() or 1)), timeout_s=timeout_s,
                memory_limit_mb=memory_mb,
            )
            _sandboxes[(timeout_s, memory_mb)] = sandbox
        return sandbox


def worker_pids() -> list[int]:
    """Pids of every shared parser worker alive now (a run reads their CPU from these)."""
    with _sandboxes_lock:
        sandboxes = list(_sandboxes.values())
    return [pid for sandbox in sandboxes if not sandbox.closed for pid in sandbox.worker_pids()]
