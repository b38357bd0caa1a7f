"""The options of an ingest run and the report it returns - the same words in every mode."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from s3_ingest.core.documents import Document


@dataclass(frozen=True)
class IngestOptions:
    full: bool = False  # re-fetch and re-extract every selected object, changed or not
    batch_size: int = 200
    # A batch is written as soon as its texts reach this many characters too: 200 documents of
    # a megabyte each would otherwise sit in memory together (the sync process grew by ~55 MB
    # on the benchmark's 1 MB objects).
    batch_chars: int = 4_000_000
    concurrency: int = 16  # a source's fetch_concurrency default
    max_delete_share: float = 0.5
    delete_guard_min: int = 10  # the guard looks at partitions that would lose at least this many
    force_delete: bool = False
    page_size: int = 1000
    attempts: int = 4  # tries of an object whose failure may pass (a short body, a reset, a 5xx)
    backoff_s: float = 0.5  # before the second try; doubled before each next one


@dataclass
class IngestReport:
    source: str
    bucket: str
    partition: str
    mode: str = "listing"  # "listing": the run listed its partition; "changes": a plan named them
    listed: int = 0  # keys of the partition listed by this sync (by its scan, in "changes")
    selected: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    unchanged: int = 0
    fetched: int = 0
    get_requests: int = 0
    head_requests: int = 0
    indexed: int = 0
    metadata_only: int = 0
    deleted: int = 0
    deletions_held: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    transient: set[str] = field(default_factory=set)  # failed keys whose failure may pass
    retries: int = 0
    bytes_fetched: int = 0
    seconds: float = 0.0
    # CPU seconds by stage (stage_cpu.STAGES: list, diff, fetch, extract - parser workers
    # included - and index); what is not here was the executor's and Dagster's.
    cpu: dict[str, float] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)  # the first few, without text
    # The keys this run changed, by how: what `s3-ingest sync` lists (failed keys are in
    # `failed`, with their reasons). A `full` run's re-extraction of an unchanged object is
    # none of these.
    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    deleted_keys: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.indexed + self.metadata_only

    @property
    def attempted(self) -> int:
        return self.written + len(self.failed)

    @property
    def permanent_failures(self) -> list[tuple[str, str]]:
        return [(key, reason) for key, reason in self.failed if key not in self.transient]

    @property
    def failed_share(self) -> float:
        """The share of objects that failed for good (a transient failure is retried by the
        run's retry policy instead of counting here)."""
        return len(self.permanent_failures) / self.attempted if self.attempted else 0.0
