"""Vectors as stored: float32, little-endian, packed - the format sqlite-vec reads."""

from __future__ import annotations

import array
import hashlib
import sys
from collections.abc import Sequence


def text_hash(text: str) -> str:
    """A content hash: equal text means the stored vector can be reused."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


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


def sign_code(blob: bytes) -> bytes:
    """A float32 vector's sign bits, packed one per dimension and zero-padded to whole 64-bit
    words: the coarse code SQLite's vector search scans (core/index/code_scan.py). For unit
    vectors, the Hamming distance between two codes tracks the angle between the vectors."""
    import numpy as np

    bits = np.packbits(np.frombuffer(blob, dtype="<f4") > 0)
    return bits.tobytes() + b"\0" * (-len(bits) % 8)
