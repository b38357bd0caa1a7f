"""The Dagster UI in a real browser (headless Chromium, Debian's `chromium`), as a user meets it
after `s3-ingest demo --ui`: the documents asset with its partitions and a materialization's
metadata, then a one-partition launch from the asset page that runs to success."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from s3_ingest_tests.cli.test_demo_signals import free_port, ui_answers
from s3_ingest_tests.cli.test_main import CLI

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without them Chromium reaches for Google's services, which this machine's network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOT_ENV = "S3_INGEST_UI_SCREENSHOT"  # where to keep the asset page's picture (the README's)

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip("no chromium here (Debian's `chromium` package; .ci/run installs it)",
                allow_module_level=True)


@pytest.fixture
def demo_ui(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "S3_INGEST_SOURCES")}
    process = subprocess.Popen([*CLI, "demo", "--ui", "--port", str(port)], cwd=tmp_path,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not ui_answers(port) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(1)
        assert ui_answers(port), "the demo's UI never answered"
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as the README says
        try:
            process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_the_asset_page_shows_partitions_and_metadata_and_launches_a_partition(demo_ui,
                                                                                tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{demo_ui}/assets/sample/documents")
            materialize = page.get_by_role("button", name="Materialize…").first
            materialize.wait_for(timeout=60_000)
            try:  # Dagster's community sign-up, shown to a new browser now and then
                page.get_by_role("button", name="Skip").click(timeout=5_000)
            except Exception:  # noqa: BLE001 - not shown this time
                pass
            # The latest materialization's metadata, labelled in words.
            for label in ("Row count", "Listed", "Indexed", "Metadata only", "Summary"):
                expect(page.get_by_text(label, exact=True).first).to_be_visible(timeout=30_000)
            expect(page.get_by_text("s3-ingest-sample").first).to_be_visible()
            page.screenshot(path=str(os.environ.get(SCREENSHOT_ENV) or tmp_path / "asset.png"))

            page.get_by_role("tab", name="Partitions").click()
            for partition in ("handbook/", "reports/", "(root)"):
                expect(page.get_by_text(partition, exact=True).first).to_be_visible(
                    timeout=30_000)

            # One partition, launched from the asset page, runs to success.
            materialize.click()
            page.get_by_text("Select a partition or create one").click(timeout=30_000)
            page.keyboard.type("handbook")
            page.get_by_role("menuitem", name="handbook/").first.click()
            page.keyboard.press("Escape")
            page.get_by_role("button", name="Launch 1 run").click()
            toast = page.get_by_text(re.compile(r"Launched run [0-9a-f]{8}")).first
            toast.wait_for(timeout=30_000)
            run_id = re.search(r"[0-9a-f]{8}", toast.inner_text()).group(0)
            # From the runs page to the run's own page, where it queues, runs and succeeds.
            page.goto(f"{demo_ui}/runs")
            page.get_by_role("link", name=run_id).first.click(timeout=30_000)
            expect(page.get_by_text("handbook/").first).to_be_visible(timeout=30_000)
            expect(page.get_by_text("Success", exact=True).first).to_be_visible(timeout=240_000)
        finally:
            browser.close()
