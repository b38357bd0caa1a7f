"""What turns text into vectors: the interface both embedders implement."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Embedder(Protocol):
    """Unit-length vectors for texts, and the model they come from.

    `model` and `dimension` are recorded with every stored vector: vectors of two models are
    never compared, and changing the model means re-embedding (a `full` chunks run).
    """

    @property
    def model(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


class EmbedderError(RuntimeError):
    """An embedder could not produce vectors; the message never holds a secret."""
