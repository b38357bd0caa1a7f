"""Every run path under the real daemon - sensor runs, a backfill launched from the UI, a
schedule's runs, and the chunks runs the automation sensor asks for - with a PostgreSQL index
URL that carries a password and an embeddings endpoint that needs a key: neither secret is
anywhere under DAGSTER_HOME (run storage, event logs, compute logs, snapshots) nor in the output
of `dagster dev`."""

from __future__ import annotations

from typing import Any

import pytest

from s3_ingest_tests.daemon.live import LiveDeployment
from s3_ingest_tests.daemon.ui import launch_backfill
from s3_ingest_tests.postgres import fresh_database
from s3_ingest_tests.reliability.secret_places import EmbeddingsEndpoint, Secrets

TIMEOUT_S = 300


class SecretDeployment(LiveDeployment):
    """A live deployment whose index is PostgreSQL behind a password and whose embedder is an
    HTTP endpoint behind a key."""

    def __init__(self, root: Any, sources: dict[str, dict[str, Any]], extra: dict[str, str]):
        super().__init__(root, sources)
        self.extra = extra

    def env(self) -> dict[str, str]:
        return super().env() | self.extra

    def triggers(self, source: str) -> dict[str, set[str]]:
        """How its successful runs were launched: sensor, backfill or schedule -> job names."""
        found: dict[str, set[str]] = {}
        for run in self.instance.get_runs():
            if run.status.value != "SUCCESS":
                continue
            tags = run.tags
            how = ("backfill" if "dagster/backfill" in tags else
                   "schedule" if "dagster/schedule_name" in tags else
                   "sensor" if "dagster/sensor_name" in tags else "other")
            found.setdefault(how, set()).add(run.job_name)
        return found


@pytest.mark.postgres
def test_no_run_path_leaves_the_index_password_or_the_embedder_key(tmp_path):
    secrets = Secrets.new()
    endpoint = EmbeddingsEndpoint(secrets.api_key)
    try:
        with fresh_database() as url:
            extra = {"S3_INGEST_INDEX_URL": secrets.index_url(url),
                     **endpoint.env(secrets.api_key)}
            sources = {"docs": {"sync_interval": "10s", "reconcile_cron": "* * * * *"}}
            with SecretDeployment(tmp_path, sources, extra) as live:
                live.put("docs", {"a/kestrel.md": "# Kestrels\nThey hover.",
                                  "b/owl.txt": "Owls hunt at night."})
                live.start()
                live.wait_until(lambda: "sensor" in live.triggers("docs"), TIMEOUT_S,
                                "a sensor run")
                launch_backfill(live.port, "docs", ["a/", "b/"])
                # The schedule fires every minute: runs are in flight to the end, and stopping
                # `dagster dev` interrupts them (what they wrote so far is scanned too).
                live.wait_until(lambda: {"sensor", "backfill", "schedule"}
                                <= set(live.triggers("docs")) and endpoint.authorised > 0,
                                TIMEOUT_S, "backfill, schedule and chunks runs")
                live.stop()
                log = live.log_path.read_text(errors="replace")
    finally:
        endpoint.stop()
    assert secrets.leaks(tmp_path / "dagster_home", {"dagster dev's output": log}) == []
