"""How long a chunk may be: in the embedding model's own tokens, so all of it is embedded.

A local model reads `max_seq_length` tokens, [CLS] and [SEP] included (256 for
all-MiniLM-L6-v2); past that a transformer sees nothing. TokenWindow counts with the model's
tokenizer.json and gives semantic-text-splitter the same tokenizer, so a chunk's embedded text
(its heading line and its text) fits the window. An endpoint model's tokenizer is not known
here and its windows are thousands of tokens, so chunks for it keep the word budget.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from semantic_text_splitter import TextSplitter

TARGET_WORDS = (200, 300)
OVERLAP_WORDS = 30


@lru_cache(maxsize=8)
def _word_splitter(low: int, high: int, overlap: int) -> TextSplitter:
    return TextSplitter.from_callback(lambda text: len(text.split()), (low, high), overlap=overlap)


@dataclass(frozen=True)
class WordBudget:
    """200-300 words a chunk, 30 overlapping: for models whose tokenizer is not known here."""

    target: tuple[int, int] = TARGET_WORDS
    overlap: int = OVERLAP_WORDS

    def size(self, text: str) -> int:
        return len(text.split())

    def sizes(self, texts: list[str]) -> list[int]:
        return [len(t.split()) for t in texts]

    def capacity(self, heading: str | None) -> int:
        return self.target[1]

    def splitter(self, most: int, overlap: bool = True) -> TextSplitter:
        low = min(self.target[0], most * 2 // 3)
        return _word_splitter(low, most, self.overlap if overlap else 0)

    def fits(self, embedded_text: str) -> bool:
        return True  # the endpoint's window is not known here: the word budget is the bound

    def heading(self, heading: str | None) -> str | None:
        return heading


class TokenWindow:
    """Chunks whose embedded text fits `window` tokens of the model's tokenizer."""

    def __init__(self, tokenizer_json: str, window: int) -> None:
        from tokenizers import Tokenizer

        # Count every token: the file's own truncation (128 for MiniLM) and padding would lie.
        spec = json.loads(tokenizer_json)
        spec["truncation"], spec["padding"] = None, None
        self._json = json.dumps(spec)
        self._tokenizer = Tokenizer.from_str(self._json)
        self._splitters: dict[tuple[int, bool], TextSplitter] = {}
        self.window = window
        self.specials = len(self._tokenizer.encode("", add_special_tokens=True).ids)

    def __repr__(self) -> str:
        return f"TokenWindow({self.window} tokens)"

    @property
    def overlap(self) -> int:
        return self.window // 8

    def size(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def sizes(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self._tokenizer.encode_batch(texts, add_special_tokens=False)]

    def heading(self, heading: str | None) -> str | None:
        """The heading, cut to a quarter of the window: the text needs the rest."""
        if not heading:
            return heading
        encoding = self._tokenizer.encode(heading, add_special_tokens=False)
        most = self.window // 4
        if len(encoding.ids) <= most:
            return heading
        return heading[: encoding.offsets[most - 1][1]].rstrip() + " ..."

    def capacity(self, heading: str | None) -> int:
        """Tokens left for the text once [CLS], [SEP] and the heading line are counted."""
        used = self.specials + (self.size(heading + "\n") if heading else 0)
        return max(self.window - used, 8)

    def splitter(self, most: int, overlap: bool = True) -> TextSplitter:
        key = (most, overlap)
        if key not in self._splitters:
            self._splitters[key] = TextSplitter.from_huggingface_tokenizer_str(
                self._json, (most * 2 // 3, most),
                overlap=min(self.overlap, most // 4) if overlap else 0)
        return self._splitters[key]

    def fits(self, embedded_text: str) -> bool:
        return len(self._tokenizer.encode(embedded_text, add_special_tokens=True).ids) <= self.window


def window_for(embedder: Any) -> WordBudget | TokenWindow:
    """The embedder's own token window when it has a local tokenizer, else the word budget."""
    tokenizer_json = getattr(embedder, "tokenizer_json", None)
    if tokenizer_json is None:
        return WordBudget()
    return _token_window(tokenizer_json(), int(embedder.max_tokens))


@lru_cache(maxsize=4)
def _token_window(tokenizer_json: str, window: int) -> TokenWindow:
    return TokenWindow(tokenizer_json, window)
