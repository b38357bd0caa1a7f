"""OpenDocument text, spreadsheets and presentations written by odfpy; hostile ones bounded."""

import io

from odf import dc, draw, presentation, style, table, text
from odf.opendocument import (
    OpenDocumentPresentation,
    OpenDocumentSpreadsheet,
    OpenDocumentText,
)

from s3_ingest.core.extraction import extract
from s3_ingest.core.extraction.sections import SECTION_BREAK

from .hostile_zips import BILLION_LAUGHS, with_bomb, with_members


def saved(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_odt() -> bytes:
    document = OpenDocumentText()
    document.meta.addElement(dc.Title(text="Winter driving"))
    document.meta.addElement(dc.Creator(text="Safety team"))
    document.text.addElement(text.H(outlinelevel=1, text="Chains and tyres"))
    paragraph = text.P(text="Fit snow chains above ")
    paragraph.addElement(text.Span(text="800 metres"))
    document.text.addElement(paragraph)
    return saved(document)


def make_ods() -> bytes:
    document = OpenDocumentSpreadsheet()
    for name, rows in (("Fuel", [["Depot", "Litres"], ["Essen", "900"]]), ("Tyres", [["Wolverine winter tyres"]])):
        sheet = table.Table(name=name)
        for values in rows:
            row = table.TableRow()
            for value in values:
                cell = table.TableCell()
                cell.addElement(text.P(text=value))
                row.addElement(cell)
            sheet.addElement(row)
        document.spreadsheet.addElement(sheet)
    return saved(document)


def make_odp() -> bytes:
    document = OpenDocumentPresentation()
    layout = style.PageLayout(name="layout")
    document.automaticstyles.addElement(layout)
    master = style.MasterPage(name="master", pagelayoutname=layout)
    document.masterstyles.addElement(master)
    for name, words, notes in (("Intro", "Route planning", None), ("Costs", "Toll budget", "Say the lynx figure")):
        page = draw.Page(name=name, masterpagename=master)
        frame = draw.Frame(width="20cm", height="3cm", x="1cm", y="1cm")
        box = draw.TextBox()
        box.addElement(text.P(text=words))
        frame.addElement(box)
        page.addElement(frame)
        if notes:
            speaker = presentation.Notes()
            notes_frame = draw.Frame(width="20cm", height="3cm", x="1cm", y="1cm")
            notes_box = draw.TextBox()
            notes_box.addElement(text.P(text=notes))
            notes_frame.addElement(notes_box)
            speaker.addElement(notes_frame)
            page.addElement(speaker)
        document.presentation.addElement(page)
    return saved(document)


def test_odt_headings_paragraphs_and_properties():
    result = extract(make_odt(), "guides/winter.odt")
    assert result.status == "indexed", result.reason
    assert result.text == "Chains and tyres\nFit snow chains above 800 metres"
    assert result.title == "Winter driving"
    assert result.properties["author"] == "Safety team"


def test_ods_second_sheet_is_its_own_section():
    result = extract(make_ods(), "fuel.ods")
    assert result.status == "indexed", result.reason
    assert result.text.split(SECTION_BREAK) == ["Sheet: Fuel\nDepot\nLitres\nEssen\n900", "Sheet: Tyres\nWolverine winter tyres"]


def test_odp_pages_with_their_notes():
    result = extract(make_odp(), "talk.odp")
    assert result.status == "indexed", result.reason
    assert result.text.split(SECTION_BREAK) == ["Slide 1: Intro\nRoute planning", "Slide 2: Costs\nToll budget\nSay the lynx figure"]


def test_type_comes_from_the_mimetype_member_not_the_name():
    result = extract(make_ods(), "exports/fuel.bin")
    assert result.status == "indexed"
    assert result.text.startswith("Sheet: Fuel")


def test_entity_bomb_in_content_is_refused():
    result = extract(with_members(make_odt(), {"content.xml": BILLION_LAUGHS}), "bomb.odt")
    assert result.status == "metadata_only"
    assert result.reason == "odt refused: XML with EntitiesForbidden"


def test_zip_bomb_is_refused():
    assert extract(with_bomb(make_odt()), "bomb.odt").reason.startswith("opendocument refused: over the decompression limit")
