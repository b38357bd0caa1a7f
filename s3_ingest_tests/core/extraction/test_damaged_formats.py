"""Cut and bit-flipped files of every new format become a reason, never an exception."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3_ingest.core.extraction import extract

from .test_eml import make_mail
from .test_epub import make_epub
from .test_extract import check
from .test_opendocument import make_odt
from .test_presentation import make_pptx
from .test_rtf import RTF
from .test_spreadsheet import make_xlsx

VALID = {
    "x.pptx": make_pptx(),
    "x.xlsx": make_xlsx(),
    "x.epub": make_epub(),
    "x.odt": make_odt(),
    "x.eml": make_mail().as_bytes(),
    "x.rtf": RTF,
    "x.xml": b'<?xml version="1.0"?><a><b>text</b><c x="1">more</c></a>',
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.sampled_from(sorted(VALID)),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8),
)
def test_damaged_documents_never_raise(key, cut, flips):
    source = VALID[key]
    damaged = bytearray(source[: max(1, int(len(source) * cut))] if cut < 0.5 else source)
    for where, value in flips:
        damaged[int(where * (len(damaged) - 1))] = value
    check(extract(bytes(damaged), key))
