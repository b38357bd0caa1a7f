"""CPU seconds by stage of a run - list, diff, fetch, extract, index - so the next bottleneck
shows in a run's report (and the benchmark's table) instead of having to be profiled.

A thread's CPU (time.thread_time) is charged to the stage it is in. A stage entered inside
another pauses the outer one, so no second is counted twice and the stages add up. Each thread
keeps its own tally, so the hot path takes no lock; `totals()` sums them once the threads are
done. What runs outside every stage (waiting on the pool, bookkeeping, Dagster) is not counted.

The parser workers are other processes: `WorkerCpu` reads their CPU from the kernel at the
start and end of a run and the difference goes to extract (see its docstring for the limits).
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

STAGES = ("list", "diff", "fetch", "extract", "index")
T = TypeVar("T")
_END = object()


class StageCpu:
    """Per-stage CPU of the threads of one run."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._tallies: list[dict[str, float]] = []
        self._added = dict.fromkeys(STAGES, 0.0)

    def stage(self, name: str) -> _Stage:
        return _Stage(self, name)

    def timed(self, iterable: Iterable[T], name: str) -> Iterator[T]:
        """`iterable`'s items; the work of producing each (a listing request) goes to `name`,
        what the consumer does between items does not."""
        iterator = iter(iterable)
        while True:
            with self.stage(name):
                item = next(iterator, _END)
            if item is _END:
                return
            yield item  # type: ignore[misc]

    def add(self, name: str, seconds: float) -> None:
        """CPU measured elsewhere (another process's)."""
        with self._lock:
            self._added[name] += seconds

    def totals(self) -> dict[str, float]:
        with self._lock:
            out = dict(self._added)
            for tally in self._tallies:
                for name, seconds in tally.items():
                    out[name] += seconds
        return out

    def _state(self) -> list:
        # [tally, current stage or None, thread_time when it was entered or resumed]
        state = getattr(self._local, "state", None)
        if state is None:
            tally = dict.fromkeys(STAGES, 0.0)
            state = self._local.state = [tally, None, 0.0]
            with self._lock:
                self._tallies.append(tally)
        return state


class _Stage:
    __slots__ = ("clock", "name", "outer")

    def __init__(self, clock: StageCpu, name: str) -> None:
        self.clock, self.name, self.outer = clock, name, None

    def __enter__(self) -> None:
        state = self.clock._state()
        now = time.thread_time()
        if state[1] is not None:
            state[0][state[1]] += now - state[2]
        self.outer = state[1]
        state[1], state[2] = self.name, now

    def __exit__(self, *exc_info: object) -> None:
        state = self.clock._local.state
        now = time.thread_time()
        state[0][self.name] += now - state[2]
        state[1], state[2] = self.outer, now


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a live (or not yet reaped) process; None when unknown
    (gone, or no /proc)."""
    try:
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _reaped_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class WorkerCpu:
    """The CPU the parser workers spent between construction and `seconds()`.

    Live workers are read from /proc (their CPU so far, less what they had at the start); a
    worker replaced during the run (killed after a timeout, or out of memory) has been reaped,
    so its CPU is in RUSAGE_CHILDREN (less its share before the start). That assumes the
    workers are the only children this process reaps during a run - true of a run's step
    process; two runs sharing a process at once would each count the other's extractions.
    Without /proc only the reaped workers are counted.
    """

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self._pids = pids
        self._start = {pid: cpu for pid in pids() if (cpu := process_cpu(pid)) is not None}
        self._reaped_start = _reaped_cpu()

    def seconds(self) -> float:
        now = {pid: cpu for pid in self._pids() if (cpu := process_cpu(pid)) is not None}
        live = sum(cpu - self._start.get(pid, 0.0) for pid, cpu in now.items())
        before_gone = sum(cpu for pid, cpu in self._start.items() if pid not in now)
        return max(0.0, live + _reaped_cpu() - self._reaped_start - before_gone)
