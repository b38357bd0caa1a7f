"""epub: chapters in spine order through the HTML extractor; hostile books bounded."""

import io
import zipfile

from s3_ingest.core.extraction import extract
from s3_ingest.core.extraction.sections import SECTION_BREAK

from .hostile_zips import BILLION_LAUGHS, with_bomb, with_members

CONTAINER = b"""<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles>
</container>"""

# The manifest lists the chapters in the opposite order to the spine: the spine decides.
PACKAGE = b"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="id">urn:uuid:1</dc:identifier>
    <dc:title>The Kestrel Field Guide</dc:title>
    <dc:creator>R. Falconer</dc:creator>
    <dc:language>en</dc:language>
  </metadata>
  <manifest>
    <item id="two" href="text/chapter%202.xhtml" media-type="application/xhtml+xml"/>
    <item id="one" href="text/chapter1.xhtml" media-type="application/xhtml+xml"/>
  </manifest>
  <spine><itemref idref="one"/><itemref idref="two"/></spine>
</package>"""


def chapter(title: str, body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml">'
        f"<head><title>{title}</title><style>p {{color: red}}</style></head>"
        f"<body><h1>{title}</h1><p>{body}</p></body></html>"
    ).encode()


def make_epub(package: bytes = PACKAGE) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        # The mimetype comes first and stored, as the EPUB container spec asks.
        book.writestr("mimetype", "application/epub+zip", zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", CONTAINER, zipfile.ZIP_DEFLATED)
        book.writestr("OEBPS/content.opf", package, zipfile.ZIP_DEFLATED)
        book.writestr("OEBPS/text/chapter1.xhtml", chapter("Hunting", "Hovering over verges"), zipfile.ZIP_DEFLATED)
        book.writestr("OEBPS/text/chapter 2.xhtml", chapter("Nesting", "Ledges of old quarries"), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_chapters_in_spine_order_with_visible_text_only():
    result = extract(make_epub(), "books/kestrel.epub")
    assert result.status == "indexed", result.reason
    assert result.text.split(SECTION_BREAK) == ["Hunting\nHovering over verges", "Nesting\nLedges of old quarries"]
    assert result.title == "The Kestrel Field Guide"
    assert result.properties == {"author": "R. Falconer", "language": "en", "chapter_count": "2"}


def test_found_by_content_without_an_extension():
    assert "Ledges of old quarries" in extract(make_epub(), "books/kestrel").text


def test_entity_bomb_in_the_package_is_refused():
    result = extract(with_members(make_epub(), {"OEBPS/content.opf": BILLION_LAUGHS}), "bomb.epub")
    assert result.status == "metadata_only"
    assert result.reason == "epub refused: XML with EntitiesForbidden"


def test_zip_bomb_is_refused():
    result = extract(with_bomb(make_epub()), "bomb.epub")
    assert result.reason.startswith("epub refused: over the decompression limit")
