"""Run configuration of an ingest, settable from the launchpad, a backfill or the command line."""

from __future__ import annotations

from dagster import Config
from pydantic import Field


class IngestConfig(Config):
    full: bool = Field(default=False, description="Re-fetch and re-extract every object.")
    force_delete: bool = Field(
        default=False, description="Apply deletions even past the delete guard's share."
    )
    max_delete_share: float = Field(
        default=0.5, description="Largest share of a partition one run may delete."
    )
    max_failed_share: float = Field(
        default=0.1, description="The run fails when more than this share of objects failed."
    )
    batch_size: int = Field(default=200, description="Documents per index transaction.")
    upserts: list[str] = Field(
        default=[],
        description="Only these keys, new or changed (set by the sensors): no listing.",
    )
    deletions: list[str] = Field(
        default=[],
        description="Only these keys, deleted (set by the sensors; each is confirmed first).",
    )


def targeted_run_config(op_name: str, upserts: list[str], deletions: list[str]) -> dict:
    """Run config that asks a documents asset for just these keys."""
    return {"ops": {op_name: {"config": {"upserts": upserts, "deletions": deletions}}}}
