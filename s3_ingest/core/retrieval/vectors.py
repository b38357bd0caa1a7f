"""Vectors as stored: float32, little-endian, packed - the format sqlite-vec reads."""

from __future__ import annotations

import array
import sys
from collections.abc import Sequence


def pack(vector: Sequence[float]) -> bytes:
    packed = array.array("f", vector)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def unpack(blob: bytes) -> list[float]:
    packed = array.array("f", blob)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tolist()
