"""bench/ runs end to end on a tiny bucket (timings are bench's business, never asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_runs_every_phase_and_writes_json(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--objects", "100", "--big", "2",
         "--diff-keys", "1000", "--latency-ms", "5", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads((tmp_path / "latest.json").read_text())
    phases = data["phases"]
    assert set(phases) == {"baseline", "full_sync", "listing", "nochange_sync", "list_and_get",
                           "changed_sync", "baseline_latency", "full_sync_latency", "diff"}
    assert phases["full_sync"]["indexed"] == phases["baseline"]["documents"]
    assert phases["nochange_sync"]["requests"].get("get", 0) == 0
    assert phases["changed_sync"]["fetched"] == phases["list_and_get"]["documents"]
    assert phases["diff"]["documents"] == 1000 and phases["diff"]["changes"] == 0
    assert "targets:" in result.stdout
