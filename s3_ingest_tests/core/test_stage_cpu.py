"""CPU by stage: every stage a run goes through is in its report and the scan's, never negative.
(How much CPU each stage takes is the bench's to report; no value is asserted here.)"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from s3_ingest.core.index.sqlite import SqliteIndex
from s3_ingest.core.plan.change_scan import scan_changes
from s3_ingest.core.sources.model import Source
from s3_ingest.core.stage_cpu import STAGES, StageCpu, WorkerCpu
from s3_ingest.core.sync.ingest import ingest_partition
from s3_ingest.sample import CORPUS_DIR

BUCKET = "stage-cpu-bucket"


@pytest.fixture
def index(tmp_path: Path) -> Any:
    ix = SqliteIndex(tmp_path / "index.db")
    yield ix
    ix.close()


def _valid(cpu: dict[str, float], stages: tuple[str, ...]) -> None:
    assert set(stages) <= set(cpu)
    assert all(isinstance(v, float) and v >= 0.0 for v in cpu.values())


def test_a_run_reports_cpu_for_every_stage_it_went_through(s3: Any, index: SqliteIndex) -> None:
    s3.create_bucket(Bucket=BUCKET)
    pdf = (CORPUS_DIR / "reports" / "incident-2024-08-14-postmortem.pdf").read_bytes()
    for key, body in {"a/notes.txt": b"harbour ledger", "a/report.pdf": pdf,
                      "a/gone.md": b"# soon deleted"}.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    source = Source(name="docs", bucket=BUCKET)
    first = ingest_partition(s3, source, "a/", index)
    assert first.indexed == 3  # listed, compared, fetched, extracted (the pdf in a worker), indexed
    _valid(first.cpu, STAGES)

    s3.delete_object(Bucket=BUCKET, Key="a/gone.md")
    second = ingest_partition(s3, source, "a/", index)  # nothing fetched, one deletion
    assert second.deleted == 1 and second.fetched == 0
    _valid(second.cpu, STAGES)

    scan = scan_changes(s3, source, index)
    _valid(scan.cpu, ("list", "diff"))


def test_nested_stages_and_timed_iteration_keep_every_item_and_stage() -> None:
    cpu = StageCpu()
    with cpu.stage("diff"):
        with cpu.stage("index"):
            pass
    assert list(cpu.timed(iter(range(5)), "list")) == [0, 1, 2, 3, 4]

    def fetch() -> None:  # another thread's tally counts too
        with cpu.stage("fetch"):
            sum(range(1000))

    worker = threading.Thread(target=fetch)
    worker.start()
    worker.join()
    cpu.add("extract", 0.5)
    totals = cpu.totals()
    assert set(totals) == set(STAGES) and totals["extract"] >= 0.5
    _valid(totals, STAGES)


def test_worker_cpu_is_never_negative_with_no_workers_or_gone_ones() -> None:
    assert WorkerCpu(lambda: []).seconds() >= 0.0
    pids = [2**22 + 7]  # no such process: read as gone
    assert WorkerCpu(lambda: pids).seconds() >= 0.0


def test_scan_counts_each_partition_once_whatever_its_keys(s3: Any, index: SqliteIndex) -> None:
    # The scan builds a partition's counts on its first key only (not one per key): the
    # counts must still add up over every key of every partition.
    s3.create_bucket(Bucket=BUCKET)
    for key in ("a/1.txt", "a/2.txt", "a/3.txt", "b/1.txt", "top.txt"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"words")
    scan = scan_changes(s3, Source(name="docs", bucket=BUCKET), index, page_size=2)
    assert {p: c.listed for p, c in scan.counts.items()} == {"a/": 3, "b/": 1, "(root)": 1}
