"""pptx: every slide's title, text, table and notes, one section a slide; hostile decks bounded."""

import io
import re
import zipfile

from pptx import Presentation
from pptx.util import Inches

from s3_ingest.core.extraction import extract, presentation
from s3_ingest.core.extraction.sections import SECTION_BREAK

from .hostile_zips import with_bomb, with_members


def make_pptx() -> bytes:
    deck = Presentation()
    deck.core_properties.title = "Fleet review"
    deck.core_properties.author = "Operations"
    deck.core_properties.language = "en-GB"
    first = deck.slides.add_slide(deck.slide_layouts[1])
    first.shapes.title.text = "Fleet status"
    first.placeholders[1].text = "Twelve refrigerated trailers in service"
    table = first.shapes.add_table(2, 2, Inches(1), Inches(4), Inches(4), Inches(1)).table
    table.cell(0, 0).text, table.cell(0, 1).text = "Depot", "Trucks"
    table.cell(1, 0).text, table.cell(1, 1).text = "Duisburg", "41"
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Next quarter"
    box = second.shapes.add_textbox(Inches(1), Inches(2), Inches(5), Inches(1))
    box.text_frame.text = "Open the Antwerp cross-dock"
    second.notes_slide.notes_text_frame.text = "Mention the ptarmigan contract only verbally"
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def test_titles_text_tables_and_notes_are_searchable():
    result = extract(make_pptx(), "decks/review.pptx")
    assert result.status == "indexed", result.reason
    for words in ("Fleet status", "Twelve refrigerated trailers", "Duisburg | 41", "Next quarter",
                  "Open the Antwerp cross-dock", "ptarmigan contract"):  # fmt: skip
        assert words in result.text
    assert result.title == "Fleet review"


def test_one_section_per_slide_in_order():
    sections = extract(make_pptx(), "review.pptx").text.split(SECTION_BREAK)
    assert len(sections) == 2
    assert sections[0].startswith("Slide 1: Fleet status") and "Duisburg" in sections[0]
    assert sections[1].startswith("Slide 2: Next quarter") and "ptarmigan" in sections[1]


def test_document_properties_become_properties():
    properties = extract(make_pptx(), "review.pptx").properties
    assert properties["author"] == "Operations"
    assert properties["slide_count"] == "2"
    assert properties["language"] == "en-GB"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", properties["created"])


def deck_with_slides(count: int) -> bytes:
    real = make_pptx()
    with zipfile.ZipFile(io.BytesIO(real)) as archive:
        slide = archive.read("ppt/slides/slide1.xml")
    # The slide parts alone: the count is checked before python-pptx parses anything.
    return with_members(real, {f"ppt/slides/slide{n}.xml": slide for n in range(3, count + 1)})


def test_a_deck_of_ten_thousand_slides_is_refused_before_parsing():
    result = extract(deck_with_slides(10_000), "huge.pptx")
    assert result.status == "metadata_only"
    # Slides and their other parts pass the archive's member limit first.
    assert re.fullmatch(r"pptx refused: too many archive members \(100\d\d, limit 10000\)", result.reason)


def test_more_slides_than_the_limit_is_refused():
    result = extract(deck_with_slides(presentation.MAX_SLIDES + 1), "big.pptx")
    assert result.reason == f"pptx refused: too many slides ({presentation.MAX_SLIDES + 1}, limit 2000)"


def test_zip_bomb_is_refused():
    result = extract(with_bomb(make_pptx()), "bomb.pptx")
    assert result.status == "metadata_only"
    assert result.reason.startswith("pptx refused: over the decompression limit")
