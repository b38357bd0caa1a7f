"""Freshness: seconds from a change in the bucket to the changed document being searchable, with
Dagster's real daemon (`dagster dev` and the project's dagster.yaml) and no manual sync.

    .venv/bin/python bench/freshness.py            # 3 changes each way, then a burst each
    .venv/bin/python bench/freshness.py --changes 5 --poll-interval 30

Two sources on one local moto server: one polled every --poll-interval seconds, one fed by S3
event notifications through SQS (its events sensor ticks every 15 s). Each change is one new
object with a word of its own, made once the previous one is searchable and the deployment is
idle. The time splits into what bounds it, from the run record of the run that indexed it:
  detect   change -> run requested (the sensor's interval, and its tick)
  launch   requested -> run started (the queue's dequeue loop, the run worker's process start)
  run      started -> run finished (the step's own process start, Dagster's events, the ingest)
  visible  run finished -> searchable (the poll of this script, 0.5 s)
and `semantic`: change -> a semantic search (chunks only, no keyword fallback) finds it - the
documents and their chunks are one run of the `<source>_sync` job, so this should add seconds.

Then a burst each way: 8 changes over 4 partitions at once; the time until the last of them is
searchable, and how many runs the burst made (one run for many changes, issue 23).

Targets, each printed met or NOT MET:
  burst, polled every 30 s: last change searchable within 60 s; on S3 events: within 30 s;
  semantic: within 10 s of the keyword (documents') figure, median.
Results: a table on stdout and JSON under bench/results/freshness-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
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
BURST_TARGETS_S = {"polled": 60.0, "evented": 30.0}
SEMANTIC_MARGIN_S = 10.0
_retrievers: dict[str, object] = {}


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


def found_by_meaning(live: LiveDeployment, source: str, key: str, text: str) -> bool:
    """A semantic search over chunks alone (no keyword fallback for uncovered documents)."""
    from s3_ingest.core.index import SearchFilters
    from s3_ingest.core.retrieval.embedder_choice import embedder_from_env
    from s3_ingest.core.retrieval.search import Retriever, SearchError

    if not live.index_path.exists():
        return False
    embedder = _retrievers.setdefault("embedder", embedder_from_env())
    try:
        with Retriever(str(live.index_path), embedder) as retriever:
            hits = retriever.search(text, "semantic", SearchFilters(source=source), 5,
                                    chunks=True)
    except SearchError:  # no chunks yet
        return False
    return any(hit.key == key for hit in hits)


def burst(live: LiveDeployment, source: str, timeout_s: float) -> dict:
    """8 changes over 4 partitions at once: seconds until the last is searchable; runs made."""
    live.wait_until(lambda: live.in_flight() == 0, timeout_s, "an idle deployment")
    time.sleep(1.0)
    known = {run.run_id for run in live.runs(source)}
    words = {f"p{i % 4}/burst-{i}.md": f"burst{source}{i}word" for i in range(8)}
    changed_at = time.time()
    live.put(source, {key: f"a burst change {word}" for key, word in words.items()})
    total = live.wait_until(lambda: all(searchable(live, source, w) for w in words.values()),
                            timeout_s, f"{source}'s burst searchable")
    live.wait_until(lambda: live.in_flight() == 0, timeout_s, "the burst's runs done")
    runs = [r for r in live.runs(source) if r.run_id not in known]
    return {"total": total, "runs": len(runs), "changed_at": changed_at,
            "partitions_per_run": [len(_partitions_of(r)) for r in runs]}


def _partitions_of(run) -> list[str]:
    for op in (run.run_config or {}).get("ops", {}).values():
        if (op or {}).get("config", {}).get("partitions"):
            return list(op["config"]["partitions"])
    return [run.tags.get("dagster/partition", "?")]


def measure(live: LiveDeployment, source: str, n: int, timeout_s: float) -> list[dict]:
    samples = []
    for i in range(n):
        live.wait_until(lambda: live.in_flight() == 0, timeout_s, "an idle deployment")
        time.sleep(1.0)  # a change in a later second than anything indexed before
        word = f"fresh{source}{i}word"
        key = f"p{i % 3}/change-{i}.md"
        text = f"Kestrel number {i} of {source} nests on the {('roof', 'chimney', 'mast')[i % 3]}" \
               f" and hunts voles at dawn. {word}"
        known = {run.run_id for run in live.runs(source)}
        changed_at = time.time()
        live.put(source, {key: text})
        total = live.wait_until(lambda: searchable(live, source, word), timeout_s,
                                f"{word} searchable")
        seen_at = changed_at + total
        semantic = total + live.wait_until(lambda: found_by_meaning(live, source, key, text),
                                           timeout_s, f"{key} found by meaning")
        [record] = [r for r in live.instance.get_run_records()
                    if r.dagster_run.run_id not in known
                    and r.dagster_run.tags.get("s3_ingest/source") == source][-1:]
        created = record.create_timestamp.timestamp()
        started, ended = record.start_time or created, record.end_time or seen_at
        samples.append({"total": total, "semantic": semantic, "detect": created - changed_at,
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
            for source in sources:  # the burst's four partitions exist from the start
                live.put(source, {f"p{i}/seed.md": "seed" for i in range(4)})
            live.start()
            for source in sources:
                live.wait_until(lambda s=source: searchable(live, s, "seed"), args.timeout,
                                f"{source}'s first fill")
            results = {"polling sensor": measure(live, "polled", args.changes, args.timeout),
                       "events sensor": measure(live, "evented", args.changes, args.timeout)}
            bursts = {"polled": burst(live, "polled", args.timeout),
                      "evented": burst(live, "evented", args.timeout)}
    print(f"{'mode':<16} {'median s':>9} {'max s':>7} {'semantic':>9}   " + "  ".join(
        f"{stage:>7}" for stage in STAGES) + "   (medians)")
    verdicts = []
    for mode, samples in results.items():
        totals = [s["total"] for s in samples]
        semantic = statistics.median(s["semantic"] for s in samples)
        stages = "  ".join(f"{statistics.median(s[stage] for s in samples):7.1f}"
                           for stage in STAGES)
        print(f"{mode:<16} {statistics.median(totals):9.1f} {max(totals):7.1f} "
              f"{semantic:9.1f}   {stages}")
        extra = semantic - statistics.median(totals)
        verdicts.append((f"{mode}: semantic within {SEMANTIC_MARGIN_S:.0f} s of keyword "
                         f"(+{extra:.1f} s)", extra <= SEMANTIC_MARGIN_S))
    for source, found in bursts.items():
        print(f"burst {source:<10} last searchable {found['total']:6.1f} s, "
              f"{found['runs']} run(s), partitions per run {found['partitions_per_run']}")
        target = BURST_TARGETS_S[source]
        verdicts.append((f"burst {source}: within {target:.0f} s ({found['total']:.1f} s)",
                         found["total"] <= target))
    for what, ok in verdicts:
        print(f"{'met    ' if ok else 'NOT MET'}  {what}")
    load = os.getloadavg()
    print(f"load average during the run's end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          f"({os.cpu_count()} cores)")
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    payload = {"poll_interval_s": args.poll_interval, "events_interval_s": 15,
               "changes": args.changes, "results": results, "bursts": bursts,
               "load_average": load, "verdicts": [[w, ok] for w, ok in verdicts]}
    (args.out / f"freshness-{stamp}.json").write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    main()
