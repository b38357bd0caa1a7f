"""HTML pages of three real shapes index their content, not the site's chrome around it.

Measured on each page: every sentence of its content is kept, and none of its navigation,
banner, sidebar or footer text (the whole page's visible text, before, carried all of it).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from s3_ingest.core.extraction import extract
from s3_ingest.core.extraction.html import normalise_whitespace, visible_text

PAGES = Path(__file__).parent / "html_pages"

# page -> (content that must be indexed, chrome that must not)
EXPECTED = {
    "docs-sidebar.html": (
        ["Retention decides how long the archive keeps each snapshot",
         "Legal holds always win over retention", "Per-bucket overrides",
         "prunes old snapshots at the next nightly compaction"],  # an <aside> note in <main>
        ["Skip to content", "Pricing", "Installation", "Quickstart", "Backups and restore",
         "API reference", "Privacy", "Contact", "Next:", "Docs /"],
    ),
    "blog-post.html": (
        ["Why we moved our build cache to object storage", "By Priya Raman",
         "restores its cache in eleven seconds", "Writing under a content hash fixed the race",
         "Tags: ci, caching"],  # the article's own header and footer stay
        ["Careers", "Contact", "Recent posts", "Subscribe", "Home office", "Proudly powered"],
    ),
    "no-main.html": (
        ["Travel expenses", "Book rail journeys under four hours",
         "reimburses approved claims with the next monthly payroll"],
        ["Home", "People", "Contact", "Quick links", "IT helpdesk", "Canteen menu",
         "Last updated"],
    ),
}


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_content_is_kept_and_chrome_dropped(page: str) -> None:
    data = (PAGES / page).read_bytes()
    content, chrome = EXPECTED[page]
    whole = normalise_whitespace(visible_text(BeautifulSoup(data, "html.parser")))
    assert all(text in whole for text in content + chrome)  # the page really has both
    result = extract(data, f"site/{page}")
    assert result.status == "indexed"
    assert [text for text in content if text not in result.text] == []
    assert [text for text in chrome if text in result.text] == []
    assert len(result.text) < len(whole) * 0.8


def test_a_page_that_is_all_chrome_keeps_its_text() -> None:
    # Nothing is dropped into emptiness: a page that is only a menu is still found by it.
    page = b"<html><body><nav><a href='/'>Home</a> <a href='/a'>Archive</a></nav></body></html>"
    assert extract(page, "menu.html").text == "Home Archive"


def test_role_and_class_names_mark_chrome_without_semantic_elements() -> None:
    page = (b"<body><div role='navigation'>Home Docs</div><div class='site-header'>Acme</div>"
            b"<div class='article-header'>Quarterly results</div><p>Revenue grew.</p>"
            b"<div id='footer'>Imprint</div></body>")
    assert extract(page, "p.html").text == "Quarterly results\nRevenue grew."
