"""Refusing ZIP containers (DOCX) that would inflate to far more than they weigh."""

from __future__ import annotations

import io
import zipfile

MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100
# Small parts such as styles.xml legitimately compress very well; the ratio only matters
# once a member is big enough to hurt.
RATIO_APPLIES_FROM = 1024 * 1024
MAX_MEMBERS = 10_000


def decompression_refusal(data: bytes) -> str | None:
    """Why `data` is too dangerous to unzip, or None when it is within limits.

    Declared sizes are enough: zipfile stops inflating a member at its declared size (and then
    fails its CRC), so a member that lies about its size cannot grow past what is checked here.
    Raises zipfile.BadZipFile when `data` is not a ZIP at all.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        return f"too many archive members ({len(members)}, limit {MAX_MEMBERS})"
    total = sum(member.file_size for member in members)
    if total > MAX_TOTAL_UNCOMPRESSED:
        return (
            f"over the decompression limit ({_mb(total)} declared uncompressed, "
            f"limit {_mb(MAX_TOTAL_UNCOMPRESSED)})"
        )
    for member in members:
        if member.file_size < RATIO_APPLIES_FROM:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_RATIO:
            return (
                f"over the decompression limit (a member compresses {ratio:.0f}:1, "
                f"limit {MAX_RATIO}:1)"
            )
    return None


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"
