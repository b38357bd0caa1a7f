"""OCR of scanned PDF pages: pypdfium2 renders a page, the tesseract binary reads it.

Both bounds are per page: the rendering is capped in pixels (so in memory), tesseract in time
by a timeout and in memory by the address-space limit it inherits from the parser worker. It
also dies with that worker (PDEATHSIG), so a worker killed on the document's time limit leaves
no tesseract behind.
"""

from __future__ import annotations

import ctypes
import io
import math
import os
import shutil
import signal
import subprocess

PAGE_TIMEOUT_S = 60.0
MAX_OCR_PAGES = 50
# About an A3 page at 300 dpi in 8-bit grey: 25 MB of pixels at most.
MAX_PIXELS = 25_000_000
_DPI = 300
_PR_SET_PDEATHSIG = 1


class OcrError(RuntimeError):
    """Tesseract failed on a page (timed out, crashed, or could not read the image)."""


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def ocr_pages(data: bytes, page_indexes: list[int], language: str = "eng") -> dict[int, str]:
    """Text of each page (0-based indexes) of a PDF, read by tesseract."""
    import pypdfium2  # only OCR needs it

    binary = tesseract_path()
    if binary is None:
        raise OcrError("tesseract not installed")
    texts: dict[int, str] = {}
    document = pypdfium2.PdfDocument(data)
    try:
        for index in page_indexes[:MAX_OCR_PAGES]:
            texts[index] = _read(binary, _render(document[index]), language)
    finally:
        document.close()
    return texts


def _render(page: object) -> bytes:
    width, height = page.get_size()  # type: ignore[attr-defined]  # in points, 1/72 inch
    scale = _DPI / 72
    if width * height * scale * scale > MAX_PIXELS:
        scale = math.sqrt(MAX_PIXELS / max(width * height, 1.0))
    bitmap = page.render(scale=scale, grayscale=True)  # type: ignore[attr-defined]
    image = bitmap.to_pil()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _read(binary: str, png: bytes, language: str) -> str:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core per page: workers share the machine
    try:
        completed = subprocess.run(
            [binary, "stdin", "stdout", "-l", language],
            input=png,
            capture_output=True,
            timeout=PAGE_TIMEOUT_S,
            env=env,
            preexec_fn=_die_with_parent,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OcrError(f"tesseract took longer than {PAGE_TIMEOUT_S:g} s on a page") from None
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"tesseract failed ({detail[-1] if detail else completed.returncode})")
    return completed.stdout.decode("utf-8", "replace")


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the timeout still bounds it
        pass
