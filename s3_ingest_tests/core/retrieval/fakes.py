"""A deterministic embedder for tests of the plumbing (not of meaning): words hashed into a
small vector, every call recorded."""

import hashlib
import math
from datetime import datetime, timezone

from s3_ingest.core.documents import Document


class HashingEmbedder:
    def __init__(self, model: str = "test/hashing", dimension: int = 16):
        self.model, self.dimension = model, dimension
        self.calls: list[list[str]] = []

    @property
    def embedded(self) -> list[str]:
        return [text for call in self.calls for text in call]

    def embed(self, texts):
        self.calls.append(list(texts))
        vectors = []
        for text in texts:
            v = [0.0] * self.dimension
            for word in text.lower().split():
                v[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
            norm = math.sqrt(sum(x * x for x in v)) or 1.0
            vectors.append([x / norm for x in v])
        return vectors


def doc(key: str, text: str | None, partition: str = "p/", **fields) -> Document:
    return Document(
        source=fields.pop("source", "docs"), bucket="b", key=key, rel_path=key,
        partition=partition, size=len(text or ""), etag="e", last_modified=datetime(
            2024, 1, 1, tzinfo=timezone.utc), text=text, title=key,
        status="indexed" if text else "metadata_only", **fields)
