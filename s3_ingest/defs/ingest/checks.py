"""A reconciliation check per partition: does the index hold exactly what the bucket holds?

It lists the partition (no GETs) and compares with the index: objects missing from the index,
documents whose object is gone (orphaned), and documents older than their object (stale).
"""

import warnings

from botocore.exceptions import BotoCoreError, ClientError
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    MetadataValue,
    PreviewWarning,
    TableColumn,
    TableRecord,
    TableSchema,
    asset_check,
)

from s3_ingest.core.s3.errors import explain_for
from s3_ingest.core.s3.listing import list_partitions
from s3_ingest.core.sources.model import Source
from s3_ingest.core.sync.reconcile import SAMPLE, partition_drift
from s3_ingest.defs.ingest.assets import documents_asset_key
from s3_ingest.defs.ingest.partitions import prefix_partitions
from s3_ingest.defs.resources.index import INDEX_KEY
from s3_ingest.defs.resources.s3 import client_of
from s3_ingest.defs.resources.s3 import s3_resource_key

CHECK_NAME = "in_step_with_bucket"


def build_drift_check(source: Source) -> AssetChecksDefinition:
    s3_key = s3_resource_key(source)
    # Partitioned asset checks are a Dagster preview feature; we use them knowingly, so the
    # code location loads without a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)

        @asset_check(
            asset=documents_asset_key(source),
            name=CHECK_NAME,
            partitions_def=prefix_partitions(source),
            required_resource_keys={s3_key, INDEX_KEY},
            description="Index and bucket agree: nothing missing, orphaned or stale.",
            blocking=False,
        )
        def in_step(context: AssetCheckExecutionContext) -> AssetCheckResult:
            client = client_of(getattr(context.resources, s3_key))
            index = getattr(context.resources, INDEX_KEY).open()
            try:
                drift = partition_drift(client, source, context.partition_key, index)
            except (ClientError, BotoCoreError) as exc:
                raise explain_for(exc, source) from None
            return AssetCheckResult(
                passed=drift.in_step,
                metadata={
                    "listed": drift.listed,
                    "indexed": drift.indexed,
                    "missing": len(drift.missing),
                    "orphaned": len(drift.orphaned),
                    "stale": len(drift.stale),
                    "examples": MetadataValue.json({
                        "missing": drift.missing[:SAMPLE],
                        "orphaned": drift.orphaned[:SAMPLE],
                        "stale": drift.stale[:SAMPLE],
                    }),
                },
            )

    return in_step


SOURCE_CHECK_NAME = "source_in_step_with_bucket"


def build_source_drift_check(source: Source) -> AssetChecksDefinition:
    """The same comparison for every partition of the source at once, on demand: an
    unpartitioned check, so the UI can execute it alone (a partitioned check runs only with a
    materialization), and the `<source>_drift` job runs it."""
    s3_key = s3_resource_key(source)

    @asset_check(
        asset=documents_asset_key(source),
        name=SOURCE_CHECK_NAME,
        required_resource_keys={s3_key, INDEX_KEY},
        description="Every partition of the source: nothing missing, orphaned or stale.",
        blocking=False,
    )
    def source_in_step(context: AssetCheckExecutionContext) -> AssetCheckResult:
        client = client_of(getattr(context.resources, s3_key))
        index = getattr(context.resources, INDEX_KEY).open()
        try:
            listed = list_partitions(client, source.bucket, source.prefix)
            partitions = sorted(set(listed) | set(index.partitions(source.name)))
            drifts = {p: partition_drift(client, source, p, index) for p in partitions}
        except (ClientError, BotoCoreError) as exc:
            raise explain_for(exc, source) from None
        rows = [
            TableRecord({"partition": p, "listed": d.listed, "indexed": d.indexed,
                         "missing": len(d.missing), "orphaned": len(d.orphaned),
                         "stale": len(d.stale), "in_step": d.in_step})
            for p, d in drifts.items()
        ]
        drifted = [p for p, d in drifts.items() if not d.in_step]
        return AssetCheckResult(
            passed=not drifted,
            metadata={
                "Partitions": MetadataValue.int(len(drifts)),
                "Partitions drifted": MetadataValue.int(len(drifted)),
                "Missing": MetadataValue.int(sum(len(d.missing) for d in drifts.values())),
                "Orphaned": MetadataValue.int(sum(len(d.orphaned) for d in drifts.values())),
                "Stale": MetadataValue.int(sum(len(d.stale) for d in drifts.values())),
                "By partition": MetadataValue.table(rows, schema=_PARTITION_SCHEMA),
            },
        )

    return source_in_step


_PARTITION_SCHEMA = TableSchema(columns=[
    TableColumn("partition", "string"), TableColumn("listed", "int"),
    TableColumn("indexed", "int"), TableColumn("missing", "int"),
    TableColumn("orphaned", "int"), TableColumn("stale", "int"),
    TableColumn("in_step", "bool"),
])
