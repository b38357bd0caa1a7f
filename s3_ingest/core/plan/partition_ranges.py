"""Which partitions go into one run, when changes are found in many (issue 23).

A Dagster run covers one partition or a contiguous range of them, in the order the partitions
were added. So the changed partitions are taken in that order and each run covers a range from
one changed partition to another; an unchanged partition lying between two changed ones rides
along with nothing to do (its materialization says so). A gap longer than `MAX_GAP` starts a new
run rather than carry a long stretch of partitions that did not change, and a run holds at most
`MAX_PARTITIONS` partitions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

MAX_GAP = 8  # unchanged partitions a run may carry between two changed ones
MAX_PARTITIONS = 64  # partitions of one run


def partition_ranges(
    changed: Iterable[str], order: Sequence[str], max_gap: int = MAX_GAP,
    max_partitions: int = MAX_PARTITIONS,
) -> list[list[str]]:
    """The runs to ask for: each the partitions (in `order`) of one range, its first and last
    changed. A changed partition missing from `order` gets a run of its own."""
    position = {partition: i for i, partition in enumerate(order)}
    wanted = set(changed)
    runs: list[list[str]] = [[p] for p in sorted(wanted - position.keys())]
    current: list[str] = []
    gap: list[str] = []
    for partition in order:
        if partition not in wanted:
            if current:
                gap.append(partition)
            continue
        if current and (len(gap) > max_gap
                        or len(current) + len(gap) + 1 > max_partitions):
            runs.append(current)
            current = []
        elif current:
            current.extend(gap)
        gap = []
        current.append(partition)
    if current:
        runs.append(current)
    return runs
