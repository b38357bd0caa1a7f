"""Snippets in the terminal: plain text, matches marked, no Markdown left."""

from __future__ import annotations

from s3_ingest.cli.snippets import plain_snippet


def test_markdown_goes_and_the_marked_matches_stay():
    snippet = ("…Read the [employee handbook](employee-handbook.docx) and the "
               "[data [retention] [policy]…")
    assert plain_snippet(snippet) == "…Read the employee handbook and the data [retention] [policy]…"
    heading = "…reviewed: 2024-09-02 --- # Data [Retention] Policy **now** `v2`"
    assert plain_snippet(heading) == "…reviewed: 2024-09-02 Data [Retention] Policy now v2"


def test_a_match_inside_a_link_is_still_marked():
    assert plain_snippet("see [[runbook]](runbook.md) | a |") == "see [runbook] a"
