"""Text extraction from object bytes: text, Markdown, HTML, JSON, CSV, XML, PDF (with OCR), office
documents (docx, pptx, xlsx, xls, OpenDocument, rtf), epub and eml.

Dagster-free; `extract` never raises for bad content, it reports it as `metadata_only`.
"""

from .detect import detect_kind, worth_fetching
from .dispatch import extract
from .kinds import KINDS, kind_of
from .result import INDEXED, METADATA_ONLY, Extraction
from .sandbox import ExtractionSandbox

__all__ = [
    "INDEXED", "KINDS", "METADATA_ONLY", "Extraction", "ExtractionSandbox", "detect_kind", "extract",
    "kind_of", "worth_fetching",
]  # fmt: skip
