"""Which part of an HTML page is its content, and which is the site's chrome around it.

A page's navigation, banner, footer and menus repeat on every page of a site; indexed, they
become the best passage of any query that names a menu entry ("Home Docs Contact"), on every
page at once. The page usually says where its content is: `<main>` (or `role="main"`), or a
single `<article>`. Within that, menus and navigation are still dropped; outside it - a page
without either - the banner, footer and sidebars go too, recognised by their elements, their
ARIA roles, or the class and id names sites give them (`site-header`, `sidebar`, ...).

Hand-written rather than a main-content extractor: trafilatura (the well-kept one) brings lxml,
justext, dateparser, htmldate and courlan for a job the page's own markup mostly answers, and
its scoring drops short pages whole. This reads the markup and never drops the content itself:
when what is left is empty, the whole page is used.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

# Dropped wherever they are, the content root included.
_MENUS = frozenset({"nav", "menu"})
_MENU_ROLES = frozenset({"navigation", "menu", "menubar", "search", "tablist"})
# Dropped outside the page's content root: inside an <article>, a <header> holds its title.
_PAGE_PARTS = frozenset({"header", "footer", "aside"})
_PAGE_ROLES = frozenset({"banner", "contentinfo", "complementary"})
# Class and id names of chrome on sites that use no semantic elements (whole names only:
# `article-header` is an article's own header).
_CHROME_NAMES = re.compile(
    r"(?:site|page|global|main|top|primary|mobile)?[-_]?"
    r"(?:header|footer|nav|navbar|navigation|menu|sidebar|breadcrumbs?|toc|table-of-contents"
    r"|skip-link|cookie-banner|cookies)",
    re.IGNORECASE,
)
_MENU_NAMES = re.compile(
    r"(?:site|page|global|main|top|primary|mobile)?[-_]?"
    r"(?:nav|navbar|navigation|menu|breadcrumbs?|toc|table-of-contents|skip-link)",
    re.IGNORECASE,
)


def content_root(soup: BeautifulSoup) -> Tag | None:
    """The page's own content element: <main>, role=main, or its only <article>; else None."""
    found = soup.find("main") or soup.find(attrs={"role": "main"})
    if isinstance(found, Tag):
        return found
    articles = soup.find_all("article", limit=2)
    return articles[0] if len(articles) == 1 else None


def is_chrome(tag: Tag, inside_content: bool) -> bool:
    """Whether a tag is navigation or page furniture rather than content."""
    role = tag.get("role")
    names = _names(tag)
    if tag.name in _MENUS or (isinstance(role, str) and role.lower() in _MENU_ROLES):
        return True
    if any(_MENU_NAMES.fullmatch(name) for name in names):
        return True
    if inside_content:
        return False
    if tag.name in _PAGE_PARTS or (isinstance(role, str) and role.lower() in _PAGE_ROLES):
        return True
    return any(_CHROME_NAMES.fullmatch(name) for name in names)


def _names(tag: Tag) -> list[str]:
    classes = tag.get("class") or []
    names = list(classes) if isinstance(classes, list) else str(classes).split()
    ident = tag.get("id")
    if isinstance(ident, str):
        names.append(ident)
    return names
