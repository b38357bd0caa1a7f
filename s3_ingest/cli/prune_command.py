"""`s3-ingest prune`: the housekeeping job's plan from a terminal - what it deletes, what it keeps
and why - applied unless `--dry-run`."""

from __future__ import annotations

import os
from collections.abc import Sequence

import click

from s3_ingest.core.index.base import DocumentIndex
from s3_ingest.core.sources.model import Source
from s3_ingest.core.sync.housekeeping import HELD_GUARD, PrunePlan, apply_prune, plan_prune


def prune_plan(index: DocumentIndex, sources: Sequence[Source], *, dry_run: bool,
               force: bool) -> tuple[PrunePlan, dict[str, int], bool]:
    """(plan, deleted, whether partitions were checked). Removed partitions are Dagster's to
    say: only with DAGSTER_HOME does prune know them; without it they are left alone."""
    if os.environ.get("DAGSTER_HOME"):
        from s3_ingest.cli.settings import cli_instance
        from s3_ingest.defs.ingest.housekeeping import housekeep

        # A dry run changes nothing, in the instance either: the partitions it keeps stay
        # unregistered until a real prune (or the housekeeping job) registers them.
        plan, deleted = housekeep(cli_instance(), index, sources, dry_run=dry_run, force=force,
                                  register=not dry_run)
        return plan, deleted, True
    plan = plan_prune(index, sources, force=force)
    return plan, ({} if dry_run else apply_prune(index, plan)), False


def print_plan(plan: PrunePlan, deleted: dict[str, int], *, dry_run: bool,
               partitions_checked: bool) -> int:
    """Prints the plan; returns the exit code: 1 when the guard held something back."""
    if dry_run:
        click.echo(f"would remove {plan.total} document(s)")
    else:
        click.echo(f"removed {sum(deleted.values())} document(s)")
    for r in plan.to_delete:
        done = r.count if dry_run else deleted.get(r.label, 0)
        click.echo(f"  {r.label}: {done}")
    if plan.held:
        click.echo(f"kept {sum(r.count for r in plan.held)} document(s)")
    for r in plan.held:
        click.echo(f"  {r.label}: {r.count} ({r.why})")
    if not partitions_checked:
        click.echo("removed partitions not checked: set DAGSTER_HOME to the instance that "
                   "holds them", err=True)
    guarded = [r for r in plan.held if r.held == HELD_GUARD]
    if guarded and not dry_run:
        click.echo("error: the delete guard held back removals; run again with --force if "
                   "those documents really should go", err=True)
        return 1
    return 0
