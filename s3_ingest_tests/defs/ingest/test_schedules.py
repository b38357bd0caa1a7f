"""The daily reconciliation schedule asks for every known partition, once per day."""

from __future__ import annotations

from datetime import datetime, timezone

from dagster import Definitions, build_schedule_context, instance_for_test

from s3_ingest.defs.ingest.assets import build_documents_asset
from s3_ingest.defs.resources.index import INDEX_KEY, IndexResource
from s3_ingest.defs.resources.embedder import EMBEDDER_KEY, LocalEmbedderResource
from s3_ingest.defs.resources.s3 import s3_resource_for
from s3_ingest.defs.retrieval.assets import build_chunks_asset

from s3_ingest.defs.ingest.jobs import build_sync_job
from s3_ingest.defs.ingest.schedules import build_reconcile_schedule
from s3_ingest_tests.conftest import make_source


def test_schedule_requests_each_partition_with_a_run_key_per_day():
    source = make_source("http://127.0.0.1:1", "b")
    job = build_sync_job(source)
    schedule = build_reconcile_schedule(source, job)
    repo = Definitions(
        assets=[build_documents_asset(source), build_chunks_asset(source)], jobs=[job],
        schedules=[schedule],
        resources={INDEX_KEY: IndexResource(), "s3_docs": s3_resource_for(source),
                   EMBEDDER_KEY: LocalEmbedderResource()},
    ).get_repository_def()
    assert schedule.cron_schedule == "0 3 * * *"
    with instance_for_test() as instance:
        instance.add_dynamic_partitions("docs_prefixes", ["(root)", "a/", "b/"])
        day1 = datetime(2026, 11, 1, 3, tzinfo=timezone.utc)
        with build_schedule_context(
            instance=instance, scheduled_execution_time=day1, repository_def=repo
        ) as context:
            requests = schedule.evaluate_tick(context).run_requests
        day2 = datetime(2026, 11, 2, 3, tzinfo=timezone.utc)
        with build_schedule_context(
            instance=instance, scheduled_execution_time=day2, repository_def=repo
        ) as context:
            again = schedule.evaluate_tick(context).run_requests
    assert sorted(r.partition_key for r in requests) == ["(root)", "a/", "b/"]
    assert {r.tags["s3_ingest/source"] for r in requests} == {"docs"}
    assert {r.run_key for r in requests}.isdisjoint({r.run_key for r in again})
