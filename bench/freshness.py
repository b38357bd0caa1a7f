"""Freshness: seconds from a change in the bucket to the changed document being searchable, with
Dagster's real daemon (`dagster dev` and the project's dagster.yaml) and no manual sync.

    .venv/bin/python bench/freshness.py            # 3 changes each way
    .venv/bin/python bench/freshness.py --changes 5 --poll-interval 30

Two sources on one local moto server: one polled every --poll-interval seconds, one fed by S3
event notifications through SQS (its events sensor ticks every 15 s). Each change is one new
object with a word of its own, made once the previous one is searchable and the deployment is
idle. The time splits into what bounds it, from the run record of the run that indexed it:
  detect   change -> run requested (the sensor's interval, and its tick)
  launch   requested -> run started (the queue's dequeue loop, the run worker's process start)
  run      started -> run finished (the step's own process start, Dagster's events, the ingest)
  visible  run finished -> searchable (the poll of this script, 0.5 s)
Results: a table on stdout and JSON under bench/results/freshness-*.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from s3_ingest_tests.daemon.live import LiveDeployment  # noqa: E402

STAGES = ("detect", "launch", "run", "visible")


def searchable(live: LiveDeployment, source: str, word: str) -> bool:
    from s3_ingest.core.index import SearchFilters
    from s3_ingest.core.index.sqlite import SqliteIndex

    if not live.index_path.exists():
        return False
    index = SqliteIndex(str(live.index_path))
    try:
        return bool(index.search(word, SearchFilters(source=source), limit=1))
    finally:
        index.close()


def measure(live: LiveDeployment, source: str, n: int, timeout_s: float) -> list[dict]:
    samples = []
    for i in range(n):
        live.wait_until(lambda: live.in_flight() == 0, timeout_s, "an idle deployment")
        time.sleep(1.0)  # a change in a later second than anything indexed before
        word = f"fresh{source}{i}word"
        known = {run.run_id for run in live.runs(source)}
        changed_at = time.time()
        live.put(source, {f"p{i % 3}/change-{i}.md": f"a change {word}"})
        total = live.wait_until(lambda: searchable(live, source, word), timeout_s,
                                f"{word} searchable")
        seen_at = changed_at + total
        [record] = [r for r in live.instance.get_run_records()
                    if r.dagster_run.run_id not in known
                    and r.dagster_run.tags.get("s3_ingest/source") == source][-1:]
        created = record.create_timestamp.timestamp()
        started, ended = record.start_time or created, record.end_time or seen_at
        samples.append({"total": total, "detect": created - changed_at,
                        "launch": started - created, "run": ended - started,
                        "visible": seen_at - ended})
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=3)
    parser.add_argument("--poll-interval", type=int, default=30)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--out", type=Path, default=BENCH / "results")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sources = {"polled": {"sync_interval": f"{args.poll_interval}s"},
                   "evented": {"events": True, "sync_interval": "1d"}}
        with LiveDeployment(Path(tmp), sources) as live:
            live.put("polled", {"p0/seed.md": "seed"})
            live.put("evented", {"p0/seed.md": "seed"})
            live.start()
            for source in sources:
                live.wait_until(lambda s=source: searchable(live, s, "seed"), args.timeout,
                                f"{source}'s first fill")
            results = {"polling sensor": measure(live, "polled", args.changes, args.timeout),
                       "events sensor": measure(live, "evented", args.changes, args.timeout)}
    print(f"{'mode':<16} {'median s':>9} {'max s':>7}   " + "  ".join(
        f"{stage:>7}" for stage in STAGES) + "   (medians)")
    for mode, samples in results.items():
        totals = [s["total"] for s in samples]
        stages = "  ".join(f"{statistics.median(s[stage] for s in samples):7.1f}"
                           for stage in STAGES)
        print(f"{mode:<16} {statistics.median(totals):9.1f} {max(totals):7.1f}   {stages}")
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    payload = {"poll_interval_s": args.poll_interval, "events_interval_s": 15,
               "changes": args.changes, "results": results}
    (args.out / f"freshness-{stamp}.json").write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
