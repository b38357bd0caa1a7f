"""Memory and CPU of a whole process tree: this process and every descendant (a sync's parser
workers), which is what a deployment pays for. Linux (/proc) only; elsewhere, this process's.

Peak memory. The peak of a sum is not the sum of the peaks - workers that exit early or peak at
different moments do not hold their peaks at once - so a thread samples the tree's summed RSS
every 20 ms and keeps the largest sum (`peak_rss_mb`). A sample can miss a spike shorter than
that, so the figure is at least this process's own high-water mark (VmHWM). The sum of every
process's own high-water mark is kept too, as an upper bound (`peak_rss_upper_mb`). RSS counts
pages shared between processes (the interpreter's libraries) once in each, as `ps` does.
(ru_maxrss is no use here: Linux carries a parent's mark across fork and exec, and
RUSAGE_CHILDREN reports the largest child, never a sum.)

CPU. This process's and its reaped children's (getrusage), plus, for descendants still alive at
the end, what /proc says they and their reaped children used.
"""

from __future__ import annotations

import os
import resource
import threading
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICKS = os.sysconf("SC_CLK_TCK")
_SAMPLE_S = 0.02
_RESCAN_S = 0.5  # descendants are looked for this often (a scan of /proc costs milliseconds)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            out.append(child)
            todo.append(child)
    return out


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (OSError, IndexError):
        return 0


def _hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpu(descendants: list[int]) -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    for pid in descendants:
        fields = _stat_fields(pid)
        if fields:  # utime, stime, and its own reaped children's cutime, cstime
            total += sum(int(f) for f in fields[11:15]) / _TICKS
    return total


class TreeMonitor:
    """`with TreeMonitor() as tree: ...`, then tree.peak_rss_mb, peak_rss_upper_mb,
    cpu_seconds (of the block) and processes (how many the tree held at most)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.linux = Path("/proc/self/stat").exists()
        self.pids: list[int] = []
        self.hwm: dict[int, int] = {}
        self.peak = 0
        self.processes = 1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_loop, name="tree-monitor",
                                        daemon=True)

    def __enter__(self) -> TreeMonitor:
        if self.linux:
            self.pids = _descendants(self.pid)
            self._cpu_start = _cpu(self.pids)
            self._thread.start()
        else:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            self._cpu_start = usage.ru_utime + usage.ru_stime
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.linux:
            self._stop.set()
            self._thread.join()
            self.pids = _descendants(self.pid)
            self._sample(rescan_hwm=True)
            self.cpu_seconds = _cpu(self.pids) - self._cpu_start
            own = _hwm(self.pid)
            self.peak_rss_mb = max(self.peak, own) / 2**20
            self.peak_rss_upper_mb = max(sum(self.hwm.values()), own) / 2**20
        else:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            self.cpu_seconds = usage.ru_utime + usage.ru_stime - self._cpu_start
            self.peak_rss_mb = self.peak_rss_upper_mb = usage.ru_maxrss / 1024

    def _sample(self, rescan_hwm: bool) -> None:
        tree = [self.pid, *self.pids]
        self.peak = max(self.peak, sum(_rss(pid) for pid in tree))
        self.processes = max(self.processes, len(tree))
        if rescan_hwm:  # a high-water mark only grows: reading it now and then is enough
            for pid in tree:
                self.hwm[pid] = max(self.hwm.get(pid, 0), _hwm(pid))

    def _sample_loop(self) -> None:
        every = max(1, round(_RESCAN_S / _SAMPLE_S))
        n = 0
        while not self._stop.wait(_SAMPLE_S):
            n += 1
            if n % every == 0:
                self.pids = _descendants(self.pid)
            self._sample(rescan_hwm=n % every == 0)
