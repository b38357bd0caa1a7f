"""One documents asset per source, partitioned by prefix.
Each partition's materialization runs the core's stages (list, select, diff, fetch, extract,
index) as one streaming step: splitting them into assets would push every object body through
an IO manager between steps, for nothing a user needs to see.
"""


import logging
from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetMaterialization,
    AssetKey,
    AssetsDefinition,
    Backoff,
    Failure,
    Jitter,
    MaterializeResult,
    RetryPolicy,
    asset,
)

from s3_ingest.core.index.principals import apply_acls
from s3_ingest.core.plan.plan_spill import discard
from s3_ingest.core.s3.errors import SourceError
from s3_ingest.core.sources.acl import source_acls
from s3_ingest.core.sources.model import Source
from s3_ingest.core.sync.ingest import DeleteGuardError, IngestOptions, IngestReport, ingest
from s3_ingest.defs.asset_layout import (
    index_kind, source_asset_key, source_group, source_id, source_owners,
)
from s3_ingest.defs.ingest.asset_info import asset_description, asset_metadata
from s3_ingest.defs.ingest.config import IngestConfig
from s3_ingest.defs.ingest.freshness import documents_freshness
from s3_ingest.defs.ingest.metadata import report_metadata
from s3_ingest.defs.ingest.partitions import SOURCE_TAG, prefix_partitions
from s3_ingest.defs.resources.index import INDEX_KEY
from s3_ingest.defs.resources.s3 import s3_resource_key

# Faults worth another try: throttling and timeouts that outlasted botocore's own retries.
# Wrong credentials, a missing bucket or a denied listing are not: they fail at once.
NOT_RETRYABLE_STATUSES = {301, 400, 401, 403, 404}
progress_log = logging.getLogger("s3_ingest.progress")


def documents_asset_key(source: Source) -> AssetKey:
    return source_asset_key(source, "documents")


def documents_op_name(source: Source) -> str:
    return "__".join(documents_asset_key(source).path)


def _progress_logger(context: AssetExecutionContext):
    def log(report: IngestReport) -> None:
        message = (
            f"{report.source} {report.partition}: listed {report.listed}, unchanged "
            f"{report.unchanged}, fetched {report.fetched}, written {report.written}, "
            f"failed {len(report.failed)}"
        )
        context.log.info(message)
        # The command line shows progress from this logger (Dagster's own log is quieter there).
        progress_log.info(message)

    return log


def build_documents_asset(source: Source) -> AssetsDefinition:
    s3_key = s3_resource_key(source)

    @asset(
        key=documents_asset_key(source),
        group_name=source_group(source),
        partitions_def=prefix_partitions(source),
        required_resource_keys={s3_key, INDEX_KEY},
        kinds={"s3", index_kind()},
        description=asset_description(source),
        metadata=asset_metadata(source),
        owners=source_owners(source),
        freshness_policy=documents_freshness(source),
        retry_policy=RetryPolicy(
            max_retries=2, delay=5, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS
        ),
        tags={SOURCE_TAG: source_id(source)},
        # One pool per source caps its concurrent fetch steps across runs and machines
        # (`dagster instance concurrency set s3_fetch_<source> N`, or the pools default_limit).
        pool=f"s3_fetch_{source_id(source)}",
    )
    def documents(context: AssetExecutionContext, config: IngestConfig
                  ) -> Iterator[AssetMaterialization | MaterializeResult]:
        if context.run.tags.get(SOURCE_TAG) != source_id(source):
            # Launched without it (the asset page's Materialize, a backfill): the run is
            # tagged now, so it is found by its source like every other run. (The run queue
            # only sees tags at launch: the source's pool holds such runs to its limit.)
            context.instance.add_run_tags(context.run.run_id, {SOURCE_TAG: source_id(source)})
        # S3Resource hands the op its client itself (IAttachDifferentObjectToOpContext).
        client = getattr(context.resources, s3_key)
        index = getattr(context.resources, INDEX_KEY).open()
        # The source's ACL rides on its documents from this run on, whoever launched it (a
        # sensor, the UI, a component's project); a no-op unless the ACL changed (issue 24).
        apply_acls(index, source_acls([source]))
        options = IngestOptions(
            full=config.full,
            batch_size=config.batch_size,
            concurrency=source.fetch_concurrency,
            max_delete_share=config.max_delete_share,
            force_delete=config.force_delete,
        )
        # One partition, or the range of a run for many changes (defs/ingest/run_requests.py):
        # each through the same executor with its own plan, and its own metadata.
        done: dict[str, dict] = {}
        failures: list[Failure] = []
        for partition in context.partition_keys:
            failure = _partition(context, client, index, options, config, partition, done)
            if failure is not None:
                failures.append(failure)
        if failures:
            # The step fails, so Dagster records no materialization: the partitions that are
            # in step say so themselves.
            for partition, metadata in done.items():
                yield AssetMaterialization(documents_asset_key(source), partition=partition,
                                           metadata=metadata)
            first = failures[0]
            raise Failure(
                description=first.description if len(failures) == 1 else (
                    f"{len(failures)} of {len(context.partition_keys)} partitions failed; "
                    f"first: {first.description}"),
                metadata=first.metadata,
                allow_retries=all(f.allow_retries for f in failures),
            )
        for partition, metadata in done.items():
            context.add_asset_metadata(metadata, partition_key=partition)
        yield MaterializeResult()

    def _partition(context: AssetExecutionContext, client: Any, index: Any,
                   options: IngestOptions, config: IngestConfig, partition: str,
                   done: dict[str, dict]) -> Failure | None:
        """Bring one partition in step; its metadata goes to `done`, or its failure back."""
        plan = config.plan(partition, source.prefix)
        try:
            report = ingest(client, source, plan, index, options, _progress_logger(context))
        except SourceError as exc:
            return Failure(description=str(exc),
                           allow_retries=exc.status not in NOT_RETRYABLE_STATUSES)
        except DeleteGuardError as exc:
            return Failure(description=str(exc), allow_retries=False)
        metadata = report_metadata(report, index.count(source.name, partition),
                                   index.count(source.name))
        if report.failed and report.failed_share > config.max_failed_share:
            return Failure(
                description=(
                    f"{len(report.permanent_failures)} of {report.attempted} objects failed "
                    f"({report.failed_share:.0%}, more than {config.max_failed_share:.0%}); the "
                    "others were indexed. `s3-ingest failures` lists them with the reason."
                ),
                metadata=metadata,
                allow_retries=False,
            )
        if report.transient:
            # Failures that may pass (a cut body, a reset, a 5xx outlasting every try): the
            # retry policy runs the partition again, and the new run fetches only these.
            return Failure(
                description=(
                    f"{len(report.transient)} object(s) failed in a way that may pass "
                    "(after retries); the others were indexed, and the run will be retried."
                ),
                metadata=metadata,
                allow_retries=True,
            )
        for key, reason in report.failed[:20]:
            context.log.warning(f"failed: {key}: {reason}")
        discard(plan)  # in step: a spilled plan's file is done with
        done[partition] = metadata
        return None

    return documents
