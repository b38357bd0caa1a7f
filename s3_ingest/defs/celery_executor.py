"""dagster-celery's executor, its broker and backend read from the environment by default.

Runs requested by the sensors and schedules carry only their ops' config. With dagster-celery's
own executor such a run would send its steps to that executor's defaults (RabbitMQ on localhost,
an rpc:// backend), never to the fleet's Redis: here a run that names no broker or backend
uses $DAGSTER_CELERY_BROKER_URL and $DAGSTER_CELERY_BACKEND_URL, the same variables
deploy/celery_worker.yaml gives the workers. A run config that names them still wins.
"""

from __future__ import annotations

import os

from dagster import (
    ExecutorDefinition,
    Field,
    Noneable,
    StringSource,
    executor,
    multiple_process_executor_requirements,
)

BROKER_ENV_VAR = "DAGSTER_CELERY_BROKER_URL"
BACKEND_ENV_VAR = "DAGSTER_CELERY_BACKEND_URL"


def build_celery_executor() -> ExecutorDefinition:
    from dagster_celery.executor import CELERY_CONFIG, CeleryExecutor

    config_schema = {
        **CELERY_CONFIG,
        # No default_value: an unset field must be told apart from one the run config set.
        "broker": Field(Noneable(StringSource), is_required=False,
                        description=f"Celery broker URL. Default: ${BROKER_ENV_VAR}."),
        "backend": Field(Noneable(StringSource), is_required=False,
                         description=f"Celery result backend URL. Default: ${BACKEND_ENV_VAR}."),
    }

    @executor(name="celery", config_schema=config_schema,
              requirements=multiple_process_executor_requirements())
    def celery(init_context) -> CeleryExecutor:
        from dagster._core.execution.retries import RetryMode

        config = init_context.executor_config
        return CeleryExecutor(
            # None falls through to dagster-celery's own defaults when the variable is unset.
            broker=config.get("broker") or os.environ.get(BROKER_ENV_VAR) or None,
            backend=config.get("backend") or os.environ.get(BACKEND_ENV_VAR) or None,
            config_source=config.get("config_source"),
            include=config.get("include"),
            retries=RetryMode.from_config(config["retries"]),
        )

    return celery
