"""Bodies stored with `Content-Encoding: gzip` (or deflate) are decoded before extraction, never
past a bound: a small object that inflates without end is refused like a zip bomb."""

from __future__ import annotations

import zlib

ENCODINGS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class EncodingRefused(ValueError):
    """The body cannot be decoded, or would decode past its bound; the message says which."""


def decoded(body: bytes, encoding: str | None, max_bytes: int) -> bytes:
    """The body without its content encoding (unchanged for none or identity)."""
    if not encoding or encoding == "identity":
        return body
    wbits = ENCODINGS.get(encoding)
    if wbits is None:
        raise EncodingRefused(f"unsupported Content-Encoding: {encoding}")
    try:
        inflater = zlib.decompressobj(wbits)
        out = inflater.decompress(body, max_bytes + 1)
        if len(out) > max_bytes or inflater.unconsumed_tail:
            raise EncodingRefused(
                f"{encoding} body inflates past max_file_size ({max_bytes} B)")
        if not inflater.eof:
            raise EncodingRefused(f"truncated {encoding} body")
        return out
    except zlib.error:
        # "deflate" in the wild is often a raw stream without the zlib header.
        if encoding == "deflate":
            return decoded_raw_deflate(body, max_bytes)
        raise EncodingRefused(f"corrupt {encoding} body") from None


def decoded_raw_deflate(body: bytes, max_bytes: int) -> bytes:
    try:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error:
        raise EncodingRefused("corrupt deflate body") from None
    if len(out) > max_bytes or inflater.unconsumed_tail:
        raise EncodingRefused(f"deflate body inflates past max_file_size ({max_bytes} B)")
    return out
