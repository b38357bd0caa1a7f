"""Tags for a document: a source's static tags, plus the named groups of its tag_regex."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from s3_ingest.core.sources import compile_tag_regex


@dataclass(frozen=True)
class Tagger:
    static: dict[str, str] = field(default_factory=dict)
    pattern: Any = None  # an RE2 pattern

    @classmethod
    def build(cls, static: dict[str, str], tag_regex: str | None) -> Tagger:
        return cls(dict(static), compile_tag_regex(tag_regex) if tag_regex else None)

    def tags_for(self, key: str) -> dict[str, str]:
        """Static tags, then the regex's named groups (searched in the full key) on top; a group
        that did not take part in the match adds no tag."""
        tags = dict(self.static)
        if self.pattern is not None:
            match = self.pattern.search(key)
            if match:
                tags.update({k: v for k, v in match.groupdict().items() if v is not None})
        return tags
