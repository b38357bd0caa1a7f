"""The fleet configuration: Dagster validates the Celery executor's run config for a sync job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster._core.system_config.objects import ResolvedRunConfig

from s3_ingest.core.sources.loader import load_sources
from s3_ingest.definitions import build_definitions, executor_for
from s3_ingest.sample import SOURCES_FILE

REPO = Path(__file__).resolve().parents[2]


def test_the_celery_run_config_is_valid_for_the_sync_job(monkeypatch):
    monkeypatch.setenv("DAGSTER_CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("DAGSTER_CELERY_BACKEND_URL", "redis://127.0.0.1:6379/1")
    monkeypatch.setenv("S3_INGEST_DEMO_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("S3_INGEST_DEMO_SECRET_ACCESS_KEY", "s")
    defs = build_definitions(load_sources(SOURCES_FILE), executor="celery")
    job = defs.resolve_job_def("sample_sync")
    assert job.executor_def.name == "celery"
    config = yaml.safe_load((REPO / "deploy" / "run_config.celery.yaml").read_text())
    resolved = ResolvedRunConfig.build(job, config)
    assert resolved.execution.execution_engine_name == "celery"


def test_a_wrong_celery_config_is_refused(monkeypatch):
    from dagster import DagsterInvalidConfigError

    monkeypatch.setenv("S3_INGEST_DEMO_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("S3_INGEST_DEMO_SECRET_ACCESS_KEY", "s")
    defs = build_definitions(load_sources(SOURCES_FILE), executor="celery")
    job = defs.resolve_job_def("sample_sync")
    with pytest.raises(DagsterInvalidConfigError):
        ResolvedRunConfig.build(job, {"execution": {"config": {"brokr": "redis://x"}}})


def test_an_unknown_executor_name_is_refused():
    with pytest.raises(ValueError, match="S3_INGEST_EXECUTOR"):
        executor_for("threads")


def _celery_executor_for(run_config: dict) -> Any:
    """The CeleryExecutor a run of sample_sync with `run_config` gets, built as Dagster does."""
    from dagster import DagsterInstance
    from dagster._core.definitions.job_base import InMemoryJob
    from dagster._core.executor.init import InitExecutorContext

    job = build_definitions(load_sources(SOURCES_FILE), executor="celery").resolve_job_def(
        "sample_sync")
    resolved = ResolvedRunConfig.build(job, run_config)
    with DagsterInstance.ephemeral() as instance:
        return job.executor_def.executor_creation_fn(InitExecutorContext(  # type: ignore[misc]
            job=InMemoryJob(job), executor_def=job.executor_def,
            executor_config=resolved.execution.execution_engine_config, instance=instance))


def test_runs_without_celery_config_use_the_fleets_broker(monkeypatch):
    """Sensor and schedule runs carry only their ops' config: their steps must still go to the
    broker the workers listen on, not to dagster-celery's default (RabbitMQ on localhost)."""
    monkeypatch.setenv("DAGSTER_CELERY_BROKER_URL", "redis://fleet:6379/3")
    monkeypatch.setenv("DAGSTER_CELERY_BACKEND_URL", "redis://fleet:6379/4")
    monkeypatch.setenv("S3_INGEST_DEMO_ACCESS_KEY_ID", "k")
    monkeypatch.setenv("S3_INGEST_DEMO_SECRET_ACCESS_KEY", "s")
    executor = _celery_executor_for({})
    assert (executor.broker, executor.backend) == ("redis://fleet:6379/3", "redis://fleet:6379/4")
    named = _celery_executor_for({"execution": {"config": {"broker": "redis://other:6379/0"}}})
    assert named.broker == "redis://other:6379/0"  # a run config that names one wins
    assert named.backend == "redis://fleet:6379/4"
