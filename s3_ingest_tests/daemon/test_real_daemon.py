"""The sensors under Dagster's real daemon: `dagster dev` with the project's dagster.yaml, against
moto's S3 and SQS over HTTP, and no manual sync. Every change reaches the index through sensor
ticks alone - a polled source, a source fed by S3 event notifications, and a source whose every
tick fails, loudly."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from s3_ingest_tests.daemon.live import LiveDeployment

# Bounds, not timings: a run starts two Python processes (run worker, step), each importing
# Dagster, on a 2-core machine that runs other tests at the same time.
CHANGE_TIMEOUT_S = 300
POLL_INTERVAL_S = 10
EVENTS_INTERVAL_S = 15  # the events sensor's minimum interval


def texts_contain(live: LiveDeployment, source: str, expected: dict[str, str]) -> bool:
    documents = live.documents(source)
    return set(documents) == set(expected) and all(
        word in documents[key] for key, word in expected.items())


@pytest.fixture
def live(tmp_path):
    sources = {
        "polled": {"sync_interval": f"{POLL_INTERVAL_S}s"},
        # Its polling sensor is the daily safety net here: what reaches the index after the
        # first pass came through the event notifications.
        "evented": {"events": True, "sync_interval": "1d"},
        "broken": {"bucket": "no-such-bucket", "create_bucket": False,
                   "sync_interval": f"{POLL_INTERVAL_S}s"},
    }
    with LiveDeployment(tmp_path, sources) as deployment:
        yield deployment


def status(live: LiveDeployment) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "s3_ingest.cli.main", "status"], env=live.env(),
        capture_output=True, text=True, timeout=120, cwd=live.root,
    )


def test_sensors_alone_keep_the_index_in_step_under_the_real_daemon(live):
    live.put("polled", {"a/1.md": "kiwi original", "a/2.md": "apricot", "b/3.md": "banana"})
    live.put("evented", {"x/1.md": "kiwi original", "x/2.md": "xigua"})
    live.start()

    # A first fill: both sources, with nobody running a sync.
    live.wait_until(
        lambda: texts_contain(live, "polled", {"a/1.md": "kiwi", "a/2.md": "apricot",
                                               "b/3.md": "banana"})
        and texts_contain(live, "evented", {"x/1.md": "kiwi", "x/2.md": "xigua"})
        and live.in_flight() == 0,
        CHANGE_TIMEOUT_S, "the first fill")
    # Each sensor run of the sync job cuts and embeds its documents' chunks in the same run.
    live.wait_until(lambda: live.chunk_keys("polled") == {"a/1.md", "a/2.md", "b/3.md"},
                    CHANGE_TIMEOUT_S, "the chunks of the first fill")
    # Both of evented's sensors saw the first fill; it ran once (a run that failed - on a
    # machine this loaded, it can - is rightly followed by another).
    runs = [r for r in live.runs("evented") if r.job_name == "evented_sync"]
    shown = [(r.tags.get("s3_ingest/trigger"), r.status.value, r.tags.get("dagster/run_key"))
             for r in runs]
    assert {r.tags["dagster/partition"] for r in runs} == {"x/"}, shown
    assert [r.status.value for r in runs].count("SUCCESS") == 1, shown

    # Added, in a new prefix, modified (the old text must go), deleted - in both sources.
    live.put("polled", {"a/4.md": "avocado", "c/5.md": "cherry", "a/1.md": "mango rewritten"})
    live.delete("polled", "b/3.md")
    live.put("evented", {"x/3.md": "xylocarp", "y/4.md": "yuzu", "x/1.md": "mango rewritten"})
    live.delete("evented", "x/2.md")
    live.wait_until(
        lambda: texts_contain(live, "polled", {"a/1.md": "mango", "a/2.md": "apricot",
                                               "a/4.md": "avocado", "c/5.md": "cherry"})
        and texts_contain(live, "evented", {"x/1.md": "mango", "x/3.md": "xylocarp",
                                            "y/4.md": "yuzu"}),
        CHANGE_TIMEOUT_S, "added, new-prefix, modified and deleted objects")
    assert "kiwi" not in live.documents("polled")["a/1.md"]
    assert "kiwi" not in live.documents("evented")["x/1.md"]

    # The very bytes deleted a moment ago, put back: a new version, so a new run.
    live.put("polled", {"b/3.md": "banana"})
    live.put("evented", {"x/2.md": "xigua"})
    live.wait_until(
        lambda: "b/3.md" in live.documents("polled") and "x/2.md" in live.documents("evented")
        and live.in_flight() == 0,
        CHANGE_TIMEOUT_S, "identical re-uploads after a delete")

    # Idle: two intervals of every sensor launch no run.
    before = {name: len(live.runs(name)) for name in ("polled", "evented")}
    time.sleep(2 * max(POLL_INTERVAL_S, EVENTS_INTERVAL_S) + 5)
    assert {name: len(live.runs(name)) for name in ("polled", "evented")} == before
    assert live.in_flight() == 0

    # The broken source's failing ticks are loud: status names it and the reason, exit 1 ...
    shown = status(live)
    assert shown.returncode == 1, shown.stdout + shown.stderr
    lines = shown.stdout.splitlines()
    broken = next(i for i, line in enumerate(lines) if line.startswith("broken_poll_sensor")
                  or "broken_poll_sensor" in line)
    assert "failure" in lines[broken] and "bucket not found" in lines[broken + 1], shown.stdout
    for name in ("polled_poll_sensor", "evented_poll_sensor", "evented_events_sensor"):
        line = next(line for line in lines if f"{name}:" in line)
        assert ": on, last tick" in line and "failure" not in line, shown.stdout
    # The chunks automation sensor of each source is listed beside its ingest sensors.
    assert all(any(line.startswith(f"  {name}_chunks_automation: ") for line in lines)
               for name in ("polled", "evented", "broken")), shown.stdout
    # ... and so is the daemon's log.
    log = live.log_path.read_text(errors="replace")
    assert "source 'broken'" in log and "bucket not found" in log
    assert "KeyError" not in log
