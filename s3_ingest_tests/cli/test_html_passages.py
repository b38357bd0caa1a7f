"""HTML pages are found by their content, never by the site's navigation: a page's menu is not
its best passage for a query made of menu words. Real processes: sync, chunks (the offline
model), search, against a real S3 endpoint, on pages of three shapes
(core/extraction/html_pages)."""

from __future__ import annotations

import json
from pathlib import Path

from s3_ingest_tests.cli.test_main import run_cli, write_sources
from s3_ingest_tests.conftest import put_objects

PAGES = Path(__file__).resolve().parents[1] / "core" / "extraction" / "html_pages"
NAVIGATION = ("Home", "Pricing", "Contact", "Careers", "Quick links", "Skip to content")


def test_navigation_text_is_never_a_pages_best_passage(local_s3, s3_client, bucket, tmp_path):
    put_objects(s3_client, bucket, {f"site/{p.name}": p.read_bytes()
                                    for p in sorted(PAGES.glob("*.html"))})
    sources = write_sources(tmp_path / "s.yaml", local_s3.endpoint_url, bucket)
    index = str(tmp_path / "i.db")
    for command in ("sync", "chunks"):
        done = run_cli(command, "--sources", str(sources), "--index", index, cwd=tmp_path)
        assert done.returncode == 0, done.stderr

    # No similarity floor here: every page comes back, each with its best passage to check.
    menu = run_cli("search", "Home Docs Pricing Blog Contact", "--mode", "hybrid", "--json",
                   "--min-similarity", "0", "--index", index, cwd=tmp_path)
    assert menu.returncode == 0, menu.stderr
    hits = [json.loads(line) for line in menu.stdout.splitlines()]
    assert {h["key"] for h in hits} == {f"site/{p.name}" for p in PAGES.glob("*.html")}
    passages = {h["key"]: h["chunk"]["text"] for h in hits}
    assert {key: [w for w in NAVIGATION if w in text] for key, text in passages.items()} == {
        key: [] for key in passages}

    for word in ("contact", "pricing"):  # menu words are in no page's indexed text
        keyword = run_cli("search", word, "--mode", "keyword", "--chunks", "--index", index,
                          cwd=tmp_path)
        assert keyword.returncode == 0 and "no matches" in keyword.stderr, keyword.stdout
    content = run_cli("search", "how long are snapshots kept", "--json", "--limit", "1",
                      "--index", index, cwd=tmp_path)
    [best] = [json.loads(line) for line in content.stdout.splitlines()]
    assert best["key"] == "site/docs-sidebar.html" and "ninety days" in best["chunk"]["text"]
