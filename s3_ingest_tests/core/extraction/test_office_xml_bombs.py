"""Entity bombs and external entities inside the XML parts of pptx and xlsx files."""

import pytest

from s3_ingest.core.extraction import extract

from .hostile_zips import BILLION_LAUGHS, EXTERNAL_ENTITY, with_members
from .test_presentation import make_pptx
from .test_spreadsheet import make_xlsx

PARTS = {
    "pptx": (make_pptx, "ppt/slides/slide1.xml"),
    "xlsx": (make_xlsx, "xl/worksheets/sheet1.xml"),
}


@pytest.mark.parametrize("kind", sorted(PARTS))
@pytest.mark.parametrize("hostile", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
def test_hostile_xml_part_is_a_reason(kind, hostile):
    make, part = PARTS[kind]
    result = extract(with_members(make(), {part: hostile}), f"hostile.{kind}")
    assert result.status == "metadata_only"
    assert result.reason.startswith(f"{kind} extraction failed: ")
