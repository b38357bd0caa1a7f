"""The 30-minute soak: the same as s3_ingest_tests/soak/test_soak.py (two sources under
`dagster dev`, 20% faults of every kind, a seeded driver of random changes, a UI backfill, a CLI
sync beside the daemon, a run worker SIGKILLed, a restart), for longer.

    .venv/bin/python bench/soak.py                       # 30 minutes of changes
    .venv/bin/python bench/soak.py --minutes 5 --seed 7

Prints the report as JSON (and writes it under bench/results/): operations, faults injected,
runs (succeeded, failed, retried), seconds from the last change to in step, any run that failed
for good and why, and what was not in step (nothing, when the soak passes). Exit 1 if anything
was not exactly in step.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from s3_ingest_tests.soak.test_soak import soak  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=21)
    # As the suite's version: more changes a minute grow a run queue that a 2-core machine
    # works off only after the changes stop.
    parser.add_argument("--pause", type=float, default=5.0, help="mean pause between changes, s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="s3i-soak-") as root:
        result, problems = soak(Path(root), duration_s=args.minutes * 60, pause_s=args.pause,
                                settle_s=900, seed=args.seed)
    result["minutes"], result["seed"] = args.minutes, args.seed
    out = Path(__file__).resolve().parent / "results" / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
