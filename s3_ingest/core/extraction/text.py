"""Decoding bytes that claim to be text, and refusing the ones that are not."""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable

import charset_normalizer

from .kinds import known_codec

_BOMS = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0/C1 controls other than tab, newlines, form feed and ESC (coloured logs), plus the
# replacement character: real text has almost none of them, decoded binary is full of them.
_SUSPECT = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f\ufffd]")
_SUSPECT_SHARE = 0.10
_SAMPLE_CHARS = 65_536


class BinaryContent(ValueError):
    """The bytes are not text in any encoding worth indexing."""


def decode_text(data: bytes, hints: Iterable[str | None] = ()) -> str:
    """`data` as text with normalised newlines; raises BinaryContent.

    Order: byte-order mark, UTF-16 without a BOM, strict UTF-8, the declared `hints`, Windows-1252
    when the text reads as Western European, then charset_normalizer's best guess.
    """
    text = _decode(data, hints)
    if text is None or looks_binary(text):
        raise BinaryContent("binary content behind a text extension")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:_SAMPLE_CHARS]
    if not sample:
        return False
    return len(_SUSPECT.findall(sample)) / len(sample) > _SUSPECT_SHARE


def _decode(data: bytes, hints: Iterable[str | None]) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            # A BOM is strong evidence; damage after it shows up as U+FFFD for looks_binary.
            return data[len(bom) :].decode(codec, errors="replace")
    # Before UTF-8: ASCII-range UTF-16 is valid UTF-8, just full of NULs.
    text = _utf16_without_bom(data)
    if text is not None:
        return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for hint in hints:
        codec = known_codec(hint) if hint else None
        if codec and codec != "utf-8":
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue
    if b"\x00" in data:
        # charset_normalizer would happily map NULs into some single-byte code page.
        return None
    text = _western(data)
    if text is not None:
        return text
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else None


def _utf16_without_bom(data: bytes) -> str | None:
    """Mostly-ASCII UTF-16 shows as NULs in every other byte; decode it if so."""
    sample = data[:4096]
    half = len(sample) // 2
    if half < 2:
        return None
    even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
    if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
        codec = "utf-16-le"
    elif even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
        codec = "utf-16-be"
    else:
        return None
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


# In Western European prose accented letters are a minority; text in another single-byte script
# (Cyrillic, Greek) read as cp1252 turns into words made only of accented letters.
_MAX_ACCENTED_SHARE = 0.3


def _western(data: bytes) -> str | None:
    """`data` as Windows-1252 (a superset of Latin-1) if that reads as Western text.

    charset_normalizer guesses poorly on short files and tends to pick DOS or Baltic code pages
    for German or French text, while cp1252/Latin-1 is by far the most common legacy encoding of
    the documents we see.
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:  # cp1252 leaves five bytes undefined
        return None
    letters = accented = 0
    previous = ""
    for index, char in enumerate(text):
        if char.isalpha():
            letters += 1
            if not char.isascii():
                if "LATIN" not in unicodedata.name(char, ""):
                    return None
                accented += 1
        elif not char.isascii() and _inside_word(char, previous, text[index + 1 : index + 2]):
            # "Za¿ó³æ" is Polish cp1250 read as cp1252; Western words hold no such symbols.
            return None
        previous = char
    if letters == 0 or accented / letters > _MAX_ACCENTED_SHARE:
        return None
    return text


# Marks that do sit between letters in Western text: quotes/apostrophes ("don’t", "don´t") and
# the Catalan middle dot ("col·lecció").
_WORD_INNER_MARKS = {"Pi", "Pf", "Sk"}


def _inside_word(char: str, before: str, after: str) -> bool:
    if char == "\u00b7" or unicodedata.category(char) in _WORD_INNER_MARKS:
        return False
    return before.isalpha() and after.isalpha()
