"""Run the real Dagster assets in-process for the command line: find each source's partitions,
register them, and run the source's sync job for them one by one (documents, then their
chunks), reporting progress as it goes."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dagster import DagsterInstance, Definitions

from s3_ingest.core.plan.change_scan import scan_changes
from s3_ingest.core.plan.partition_plan import PartitionPlan
from s3_ingest.core.plan.partition_ranges import partition_ranges
from s3_ingest.core.s3.errors import explain_for
from s3_ingest.core.s3.listing import list_partitions
from s3_ingest.core.s3.partition_keys import ROOT_PARTITION, encode_partition
from s3_ingest.core.sources.model import Source
from s3_ingest.defs.ingest.assets import documents_asset_key, documents_op_name
from s3_ingest.defs.ingest.config import plans_run_config
from s3_ingest.defs.ingest.jobs import drift_job_name, sync_job_name
from s3_ingest.defs.ingest.metadata import counts_of
from s3_ingest.defs.ingest.partitions import prefix_partitions
from s3_ingest.defs.ingest.run_requests import partition_order, plan_directory, range_tags
from s3_ingest.defs.resources.embedder import EMBEDDER_KEY
from s3_ingest.defs.resources.index import INDEX_KEY, IndexResource
from s3_ingest.defs.resources.s3 import s3_resource_for
from s3_ingest.defs.retrieval.assets import chunks_asset_key, chunks_op_name
from s3_ingest.defs.retrieval.metadata import chunk_counts_of
from s3_ingest.defs.source_definitions import build_source_definitions

log = logging.getLogger("s3_ingest")


@dataclass
class PartitionRun:
    source: str
    partition: str
    success: bool
    metadata: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    chunks: dict[str, Any] | None = None  # the chunks step's counts, when it ran and succeeded
    documents: bool = True  # False: a chunks-only run (`s3-ingest chunks`, chunks behind)


def partition_key_for(prefix: str) -> str:
    """`--prefix reports`, `reports/` or `(root)` -> the partition key."""
    if prefix in (ROOT_PARTITION, "", "/"):
        return ROOT_PARTITION
    return encode_partition(prefix if prefix.endswith("/") else prefix + "/")


def _materializations(result: Any, step: str) -> list[Any]:
    """A step's materializations, a failed step's too (the partitions of its range that are in
    step record theirs before it fails)."""
    return [event.step_materialization_data.materialization for event in result.all_events
            if event.is_step_materialization and event.step_key == step]


def _failure_values(result: Any) -> dict[str, Any]:
    """A failed run's counts, from its failure (of its first failed partition)."""
    for event in result.all_events:
        user = event.step_failure_data.user_failure_data if event.is_step_failure else None
        if user is not None and user.metadata:
            return counts_of(user.metadata)
    return {}


def _failure_message(result: Any, chunks_op: str | None = None) -> str:
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            # Which step: documents written, their chunks not, is a different state to be in.
            step = "chunks: " if chunks_op and event.step_key == chunks_op else ""
            # A Failure's description is what the user should read; a crash shows its message.
            user = event.step_failure_data.user_failure_data
            if user is not None and user.description:
                return step + user.description
            return step + (error.message.strip().splitlines()[0] if error.message
                           else error.cls_name)
    return "the run failed"


@dataclass
class SourcePlan:
    partitions: list[PartitionPlan]
    listed: int = 0  # keys the scan listed (0: no scan, every partition lists itself)
    skipped: Counter[str] = field(default_factory=Counter)  # by reason, over the whole scan
    cpu: dict[str, float] = field(default_factory=dict)  # the scan's CPU seconds by stage


def plan(source: Source, index: IndexResource, *, full: bool, prefix: str | None,
         instance: DagsterInstance | None = None) -> SourcePlan:
    """Which partitions to run, each with its plan.

    With a prefix, or `full`, every partition runs whole. Otherwise the source is scanned once
    against the index, exactly as the polling sensor does, and only partitions with changes run
    - each for just its changed objects, carried in its config or, many, in a spill file the
    scan wrote (the run never lists what the scan listed).
    """
    if prefix is not None:
        return SourcePlan([PartitionPlan.list_whole(partition_key_for(prefix))])
    client = s3_resource_for(source).process_config_and_initialize().get_client()
    try:
        if full:
            partitions = list_partitions(client, source.bucket, source.prefix)
            return SourcePlan([PartitionPlan.list_whole(p) for p in partitions])
        result = scan_changes(client, source, index.open(), budget_s=float("inf"),
                              spill_dir=plan_directory(instance) if instance else None)
    except Exception as exc:
        raise explain_for(exc, source) from None
    skipped: Counter[str] = Counter()
    for counts in result.counts.values():
        skipped.update(counts.skipped)
    return SourcePlan([result.plan(p) for p in sorted(result.changes)], result.listed, skipped,
                      result.cpu)


def source_definitions(source: Source, index: IndexResource) -> Definitions:
    """One source's definitions, built as the code location and the component build them,
    bound to the CLI's own index."""
    return Definitions.merge(
        build_source_definitions(source, shared=(EMBEDDER_KEY,)),
        Definitions(resources={INDEX_KEY: index}),
    )


def run_partition(
    source: Source,
    job: Any,
    partition: str,
    *,
    instance: DagsterInstance,
    run_config: dict[str, Any],
    documents: bool = True,
    chunks: bool = True,
) -> PartitionRun:
    """One run of the source's sync job for one partition."""
    [run] = run_partitions(source, job, [partition], instance=instance, run_config=run_config,
                           documents=documents, chunks=chunks)
    return run


def run_partitions(
    source: Source,
    job: Any,
    partitions: list[str],
    *,
    instance: DagsterInstance,
    run_config: dict[str, Any],
    documents: bool = True,
    chunks: bool = True,
) -> list[PartitionRun]:
    """One run of the source's sync job for a range of partitions (one, or a run for many
    changes, as the sensors ask for): their documents, their chunks, or both (a subset of the
    same job, as a launch of selected assets from the UI is). What each partition's
    materialization says is its own line."""
    selection = ([documents_asset_key(source)] if documents else []) + (
        [chunks_asset_key(source)] if chunks else [])
    op_name, chunks_op = documents_op_name(source), chunks_op_name(source)
    single = len(partitions) == 1
    # A run of the source's sync job, as the sensors' are: listed under that job in the UI,
    # re-executable there, and carrying the source's tag.
    subset = not (documents and chunks)
    if subset:
        # A subset of the job without the asset checks an asset selection brings along: the
        # drift check lists the bucket again, and is the drift job's to run. (An asset
        # selection passed to the run itself would bring the checks back.)
        job = job.get_subset(asset_selection=set(selection), asset_check_selection=set())
    result = job.execute_in_process(
        partition_key=partitions[0] if single else None,
        instance=instance,
        run_config=run_config,
        raise_on_error=False,
        tags={"s3_ingest/launched_by": "cli"} | ({} if single else range_tags(partitions)),
    )
    written = {m.partition: counts_of(m.metadata) for m in _materializations(result, op_name)}
    cut = {m.partition: chunk_counts_of(m.metadata)
           for m in _materializations(result, chunks_op)}
    error = None if result.success else _failure_message(result, chunks_op)
    runs, failure_told = [], False
    for partition in partitions:
        ok = result.success or ((not documents or partition in written)
                                and (not chunks or partition in cut))
        metadata = written.get(partition, {}) if documents else {}
        if not ok and documents and not metadata and not failure_told:
            metadata, failure_told = _failure_values(result), True
        runs.append(PartitionRun(source.name, partition, ok, metadata=metadata,
                                 error=None if ok else error,
                                 chunks=cut.get(partition) if chunks else None,
                                 documents=documents))
    return runs


def register_partitions(source: Source, instance: DagsterInstance, partitions: list[str]) -> None:
    partitions_def = prefix_partitions(source)
    known = set(instance.get_dynamic_partitions(partitions_def.name))
    if new := [p for p in partitions if p not in known]:
        instance.add_dynamic_partitions(partitions_def.name, new)


def check_drift(source: Source, index: IndexResource, instance: DagsterInstance) -> Any:
    """Run the source's drift job (every partition against the bucket); returns the check's
    evaluation (passed, metadata), or None when the run failed."""
    job = source_definitions(source, index).resolve_job_def(drift_job_name(source))
    result = job.execute_in_process(instance=instance, raise_on_error=False,
                                    run_config=_quiet_logs(), tags={"s3_ingest/launched_by": "cli"})
    evaluations = result.get_asset_check_evaluations()
    return evaluations[0] if evaluations else None


def _quiet_logs() -> dict[str, Any]:
    return {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def sync(
    sources: Sequence[Source],
    *,
    index: IndexResource,
    instance: DagsterInstance,
    prefix: str | None = None,
    asset_config: dict[str, Any] | None = None,
    run_config_base: dict[str, Any] | None = None,
    on_partition: Callable[[PartitionRun], None] | None = None,
    on_scan: Callable[[str, SourcePlan], None] | None = None,
    chunks: bool = True,
) -> list[PartitionRun]:
    """Sync each source: the partitions that changed (or the one named by `prefix`, or every
    one with `full`), each through a run of the source's sync job - its documents and, unless
    `chunks` is off, their chunks. Partitions whose documents did not change but whose chunks
    are behind them (an earlier `--no-chunks`, a failed chunks step) get a chunks-only run."""
    runs: list[PartitionRun] = []
    asset_config = dict(asset_config or {})

    def report(done: list[PartitionRun]) -> None:
        runs.extend(done)
        for run in done:
            if on_partition:
                on_partition(run)

    for source in sources:
        op_name = documents_op_name(source)
        try:
            unset = source.credentials.unset_variables()
            if unset:  # said plainly here, not as Dagster's resource error with its stack
                raise ValueError(
                    f"{', '.join(unset)} not set: the sources file names "
                    f"{'this variable' if len(unset) == 1 else 'these variables'} for source "
                    f"{source.name}'s credentials; export {'it' if len(unset) == 1 else 'them'}"
                    " and run again")
            planned = plan(source, index, full=bool(asset_config.get("full")), prefix=prefix,
                           instance=instance)
        except Exception as exc:  # SourceError: already says what to check
            run = PartitionRun(source.name, "*", False, error=str(exc))
            runs.append(run)
            if on_partition:
                on_partition(run)
            continue
        partitions = [p.partition for p in planned.partitions]
        if on_scan:
            on_scan(source.name, planned)
        behind: list[str] = []
        if chunks:
            behind = sorted(p for p in index.open().partitions_behind(source.name)
                            if p not in partitions and (prefix is None
                                                        or p == partition_key_for(prefix)))
        register_partitions(source, instance, partitions + behind)
        job = source_definitions(source, index).resolve_job_def(sync_job_name(source))
        order = partition_order(instance, prefix_partitions(source))
        plans = {p.partition: p for p in planned.partitions}
        # One run for the changed partitions (a range each, as the sensors ask for), then one
        # for those whose chunks alone are behind.
        for partitions in partition_ranges(plans, order):
            run_config = dict(run_config_base or {})
            in_range = [plans.get(p) or PartitionPlan(p) for p in partitions]
            run_config["ops"] = {op_name: {"config": asset_config | plans_run_config(
                op_name, in_range)["ops"][op_name]["config"]}}
            done = run_partitions(source, job, partitions, instance=instance,
                                  run_config=run_config, chunks=chunks)
            # A partition between two changed ones had nothing to do: its materialization
            # says so in Dagster, and it is no line of the command's report.
            report([run for run in done if run.partition in plans])
        for partitions in partition_ranges(behind, order):
            done = run_partitions(source, job, partitions, instance=instance,
                                  run_config=dict(run_config_base or {}), documents=False)
            report([run for run in done if run.partition in behind])
    return runs
