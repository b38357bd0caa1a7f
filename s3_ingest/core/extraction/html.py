"""HTML: the text a reader would see, with the title from <title> or the first <h1>.

Only the page's content is indexed, not the site's navigation, banner and footer around it
(html_content.py says which is which)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from bs4 import BeautifulSoup, NavigableString, PageElement, Tag
from bs4.element import PreformattedString, Script, Stylesheet, TemplateString

from .html_content import content_root, is_chrome
from .kinds import charset_of
from .result import Extraction, indexed
from .text import decode_text
from .titles import clean_title

_INVISIBLE = frozenset(
    {"head", "title", "script", "style", "noscript", "template", "iframe", "object", "svg"}
)

# Block elements get line breaks around them so "<p>a</p><p>b</p>" does not index as "ab",
# while inline markup ("re<b>ten</b>tion") stays joined.
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td",
    "th", "tr", "ul",
})  # fmt: skip

# Comments, CDATA, doctypes and the like are PreformattedStrings; script/style/template
# bodies have their own classes. None of them is visible text.
_NOT_TEXT = (PreformattedString, Script, Stylesheet, TemplateString)

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE
)
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.I)
_WHITESPACE = re.compile(r"\s+")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def extract_html(data: bytes, key: str, content_type: str | None, max_chars: int) -> Extraction:
    meta = _META_CHARSET.search(data[:4096])
    hints = [charset_of(content_type), meta.group(1).decode("ascii") if meta else None]
    soup = BeautifulSoup(decode_text(data, hints), "html.parser")
    return indexed(normalise_whitespace(content_text(soup)), _title(soup), max_chars)


def content_text(soup: BeautifulSoup) -> str:
    """The visible text of the page's content: its <main> or only <article> without menus,
    else the page without its navigation, banner, footer and sidebars - and, should that leave
    nothing, the whole page."""
    root = content_root(soup)
    if root is not None:
        text = visible_text(root, is_chrome, inside_content=True)
        if text.strip():
            return text
    text = visible_text(soup, is_chrome)
    return text if text.strip() else visible_text(soup)


# Elements whose header and footer are their own, not the site's.
_CONTENT_ELEMENTS = frozenset({"main", "article"})


def visible_text(soup: BeautifulSoup | Tag,
                 skip: Callable[[Tag, bool], bool] | None = None, *,
                 inside_content: bool = False) -> str:
    """Concatenated visible strings, with newlines around block elements, leaving out what
    `skip(tag, inside_content)` says to (inside_content: within a <main> or <article>).

    One iterative pass over the tree: mutating it (decompose, insert_before) is quadratic on
    deeply nested hostile markup, and recursion would hit the stack limit.
    """
    parts: list[str] = []
    # Each level: its children, what to emit when it closes, whether it is inside <pre>, and
    # whether it is inside the content.
    stack: list[tuple[Iterator[PageElement], str, bool, bool]] = [
        (iter(soup.contents), "", False, inside_content)]
    while stack:
        children, closing, pre, inside = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            parts.append(closing)
        elif isinstance(child, Tag):
            if _hidden(child) or (skip is not None and skip(child, inside)):
                continue
            if child.name == "br":
                parts.append("\n")
                continue
            block = "\n" if child.name in _BLOCKS else ""
            parts.append(block)
            stack.append((iter(child.contents), block, pre or child.name == "pre",
                          inside or child.name in _CONTENT_ELEMENTS))
        elif isinstance(child, NavigableString) and not isinstance(child, _NOT_TEXT):
            # Source line breaks are just spaces in HTML, except in <pre>.
            parts.append(child if pre else _WHITESPACE.sub(" ", child))
    return "".join(parts)


def _hidden(tag: Tag) -> bool:
    if tag.name in _INVISIBLE or tag.has_attr("hidden"):
        return True
    style = tag.get("style")
    return isinstance(style, str) and _DISPLAY_NONE.search(style) is not None


def normalise_whitespace(text: str) -> str:
    """Runs of spaces become one, lines are trimmed, blank lines collapse."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()


def _title(soup: BeautifulSoup) -> str | None:
    for tag in (soup.title, soup.find("h1")):
        if tag is not None:
            title = clean_title(tag.get_text(" "))
            if title:
                return title
    return None
