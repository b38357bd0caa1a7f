"""The words of `s3-ingest sync` (and the demo): a line per partition run, the keys it changed,
and totals that add up.

Every line keeps one identity: listed = selected + skipped (by reason), and selected =
unchanged + indexed + metadata-only + failed. An archived object is selected and stored
metadata-only, so it shows beside metadata-only, not as a skip. Partitions the scan found
unchanged are not run; their keys still count in the totals, as listed and unchanged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from s3_ingest.cli.runner import PartitionRun, SourcePlan

# Skip reasons that are not selection: the object was selected, then stored metadata-only.
_NOT_SELECTION = frozenset({"archived"})
CHANGE_KINDS = ("added", "modified", "deleted", "failed")
_MARKS = {"added": "+", "modified": "~", "deleted": "-", "failed": "!"}


def _int(value: Any) -> int:
    return int(value or 0)


def _reasons(counts: dict[str, Any]) -> Counter[str]:
    return Counter({k[len("skipped_"):]: _int(v) for k, v in counts.items()
                    if k.startswith("skipped_") and v})


@dataclass
class Totals:
    listed: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # selection reasons only
    unchanged: int = 0
    indexed: int = 0
    metadata_only: int = 0
    archived: int = 0
    failed: int = 0
    deleted: int = 0
    fetched: int = 0  # objects read (GET), for --json: not part of the identities

    @property
    def selected(self) -> int:
        return self.listed - sum(self.skipped.values())

    def add_run(self, counts: dict[str, Any]) -> None:
        reasons = _reasons(counts)
        self.listed += _int(counts.get("listed"))
        self.skipped.update({r: n for r, n in reasons.items() if r not in _NOT_SELECTION})
        self.archived += reasons.get("archived", 0)
        for name in ("unchanged", "indexed", "metadata_only", "failed", "deleted", "fetched"):
            setattr(self, name, getattr(self, name) + _int(counts.get(name)))

    def line(self) -> str:
        skipped = sum(self.skipped.values())
        reasons = ", ".join(f"{r.replace('_', ' ')} {n}" for r, n in sorted(self.skipped.items()))
        archived = f" (archived {self.archived})" if self.archived else ""
        return (f"listed {self.listed}, skipped {skipped}" + (f" ({reasons})" if reasons else "")
                + f", selected {self.selected}: unchanged {self.unchanged}, indexed "
                f"{self.indexed}, metadata-only {self.metadata_only}{archived}, failed "
                f"{self.failed}; deleted {self.deleted}")

    @property
    def changed(self) -> bool:
        return bool(self.indexed or self.metadata_only or self.failed or self.deleted)

    def as_json(self) -> dict[str, Any]:
        return {"listed": self.listed, "skipped": sum(self.skipped.values()),
                "skipped_by_reason": dict(self.skipped), "selected": self.selected,
                "unchanged": self.unchanged, "indexed": self.indexed,
                "metadata_only": self.metadata_only, "archived": self.archived,
                "failed": self.failed, "deleted": self.deleted, "fetched": self.fetched}


def run_totals(counts: dict[str, Any]) -> Totals:
    totals = Totals()
    totals.add_run(counts)
    return totals


def sync_totals(runs: Sequence[PartitionRun], scans: dict[str, SourcePlan]) -> Totals:
    """Totals over every run, failed ones included, plus what each source's scan listed in
    partitions it found unchanged (those had no run)."""
    totals = Totals()
    for run in runs:
        totals.add_run(run.metadata)
    for name, planned in scans.items():
        if not planned.listed:
            continue  # no scan (--prefix, --full): every partition ran and listed itself
        own = [r.metadata for r in runs if r.source == name]
        ran = Totals()
        for counts in own:
            ran.add_run(counts)
        unrun_listed = planned.listed - ran.listed
        unrun_skipped = Counter(planned.skipped)
        unrun_skipped.subtract(ran.skipped)
        unrun_skipped = +unrun_skipped  # only positive counts
        totals.listed += unrun_listed
        totals.skipped.update(unrun_skipped)
        totals.unchanged += unrun_listed - sum(unrun_skipped.values())
    return totals


def changed_keys(runs: Iterable[PartitionRun]) -> list[tuple[str, str, str, str | None]]:
    """(kind, source, key, reason) of every key the runs changed, in run order."""
    found = []
    for run in runs:
        changed = run.metadata.get("changed") or {}
        for kind in CHANGE_KINDS:
            for item in changed.get(kind, []):
                if kind == "failed":
                    found.append((kind, run.source, item["key"], item["reason"]))
                else:
                    found.append((kind, run.source, item, None))
    return found


def hidden_count(run: PartitionRun) -> int:
    """Changed keys of a run that its metadata counted but did not carry (past the bound)."""
    changed = run.metadata.get("changed") or {}
    total = changed.get("total") or {}
    return sum(_int(total.get(kind)) - len(changed.get(kind, [])) for kind in CHANGE_KINDS)


class KeyLines:
    """Prints the changed keys of each run, at most `limit` over the whole sync, and then how
    many were left out."""

    def __init__(self, limit: int) -> None:
        self.limit, self.shown, self.left_out = limit, 0, 0

    def lines(self, run: PartitionRun) -> list[str]:
        out = []
        self.left_out += hidden_count(run)
        for kind, _source, key, reason in changed_keys([run]):
            if self.shown >= self.limit:
                self.left_out += 1
                continue
            self.shown += 1
            out.append(f"      {_MARKS[kind]} {kind:<8} {key}" + (f": {reason}" if reason else ""))
        return out

    def rest(self) -> str | None:
        if not self.left_out:
            return None
        return (f"      … and {self.left_out} more changed key(s) (--max-keys N shows more, "
                "--json lists them all)")
