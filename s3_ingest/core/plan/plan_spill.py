"""Changes too many for a run's config, spilled to a file by the scan that found them, so the
run reads what the scan listed instead of listing its partition a second time (issue 23).

While a partition's changes are few they ride in the run's config (partition_plan.py). Past
`TARGETED_MAX_KEYS` (partition_changes.py), the scan writes them as it walks - one JSON line a
change, memory flat - to a file in the plan directory; when the plan is made, the file is
renamed after the partition's digest, which hashes every object version in it. The run's
config carries the path and the digest, and the run reads the file a page at a time
(sync/plan_pages.py).

Safe when stale or missing:
- a file is read only under the digest it was written for;
- each object's document is made from what its GET returned (etag, size, time), not from the
  file, and each deletion is confirmed with a HEAD first, as for any plan;
- a file that is gone (cleaned up, or a run on another machine) makes the run list its
  partition instead: slower, never wrong.

Bounded: a run removes its file once the partition is in step; every new spill first removes
files older than `MAX_AGE_S` and the oldest past `MAX_FILES` (a queued run whose file went
lists instead).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from s3_ingest.core.plan.partition_plan import (
    DELETE, DROP, SPILL_SUFFIX, PartitionPlan, listed_from_facts, object_facts, spill_readable,
)

PAGE_KEYS = 1000  # keys read from a spill file at a time
MAX_AGE_S = 24 * 3600.0
MAX_FILES = 256
SUFFIX = SPILL_SUFFIX


def default_plan_directory() -> Path:
    """Where plans spill when the Dagster instance has no directory of its own (ephemeral)."""
    return Path(tempfile.gettempdir()) / f"s3_ingest-plans-{os.getuid()}"


def _sweep(directory: Path, now: float) -> None:
    files = []
    for path in directory.iterdir():
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            continue
        if now - mtime > MAX_AGE_S:
            path.unlink(missing_ok=True)
        elif path.name.endswith(SUFFIX):
            files.append((mtime, path))
    for _, path in sorted(files)[: max(0, len(files) - MAX_FILES + 1)]:
        path.unlink(missing_ok=True)


class SpillWriter:
    """The changes of one partition, appended as the scan finds them."""

    def __init__(self, directory: Path, source: str, partition: str) -> None:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        _sweep(directory, time.time())
        self.directory, self.count = directory, 0
        named = hashlib.sha256(partition.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        self.stem = f"{source}-{named}"
        handle, name = tempfile.mkstemp(prefix=f".{self.stem}-", suffix=".part", dir=directory)
        self.path = Path(name)
        self.file: TextIO | None = os.fdopen(handle, "w", encoding="utf-8")

    def write(self, kind: str, key: str, obj: Any = None) -> None:
        assert self.file is not None
        line: dict[str, Any] = {"kind": kind, "key": key}
        if obj is not None:
            line["obj"] = object_facts(obj)
        self.file.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.count += 1

    @property
    def finished(self) -> bool:
        return self.file is None and self.path.exists() and self.path.name.endswith(SUFFIX)

    def abandon(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        self.path.unlink(missing_ok=True)

    def finish(self, digest: str) -> str:
        """Close the file and name it for `digest`; returns its path."""
        if self.file is not None:
            self.file.close()
            self.file = None
            final = self.directory / f"{self.stem}-{digest}{SUFFIX}"
            os.replace(self.path, final)
            self.path = final
        return str(self.path)


def spilled_plans(plan: PartitionPlan, prefix: str, page_keys: int = PAGE_KEYS
                  ) -> Iterator[PartitionPlan]:
    """The spilled plan in pages, each a plan of its own that names its keys."""
    assert plan.spill is not None
    page, count = PartitionPlan(plan.partition, counts=plan.counts), 0
    with open(plan.spill, encoding="utf-8") as lines:
        for line in lines:
            change = json.loads(line)
            if change["kind"] == DELETE:
                page.deletions.append(change["key"])
            elif change["kind"] == DROP:
                page.drops.append(change["key"])
            elif "obj" in change:
                page.objects.append(listed_from_facts(change["obj"], prefix))
            else:
                page.keys.append(change["key"])
            count += 1
            if count >= page_keys:
                yield page
                page, count = PartitionPlan(plan.partition, counts=plan.counts), 0
    if count:
        yield page


def discard(plan: PartitionPlan) -> None:
    """The partition is in step: its spill file is done with."""
    if plan.spill:
        Path(plan.spill).unlink(missing_ok=True)
