"""Parsing untrusted XML with defusedxml, and walking it without recursion."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

__all__ = ["DefusedXmlException", "iter_text", "local_name", "parse"]


def parse(data: bytes) -> Element:
    """The root element; raises DefusedXmlException on entity declarations (billion laughs) or
    external references (XXE), and ParseError on malformed XML."""
    return safe_et.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)


def local_name(element: Element) -> str:
    """`{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p` -> `p`."""
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def iter_text(root: Element) -> Iterator[str]:
    """Text and tails inside `root`, in document order; iterative, as hostile files nest
    thousands deep."""
    stack: list[tuple[Element, bool]] = [(root, False)]
    while stack:
        element, closed = stack.pop()
        if closed:
            if element.tail and element is not root:
                yield element.tail
            continue
        if element.text:
            yield element.text
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
