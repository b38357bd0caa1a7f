"""Which listed objects a source ingests, and why each other one is skipped.

Every skip has a reason, so a run can say how many objects it passed over and why - a user whose
file is missing from the index can find out without reading code.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache

from s3_ingest.core.documents import ListedObject

SKIP_FOLDER_MARKER = "folder_marker"
SKIP_EXTENSION = "extension"
SKIP_NOT_INCLUDED = "not_included"
SKIP_EXCLUDED = "excluded"
SKIP_TOO_LARGE = "too_large"
SKIP_DOCUMENT_LIMIT = "document_limit"


@lru_cache(maxsize=256)
def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile a path glob: `*` and `?` stay within one path segment, `**` spans segments, and
    `**/` also matches no folder at all (so `**/*.md` matches `a.md`)."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : end]
                body = "^" + body[1:] if body.startswith("!") else body
                out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def glob_matches(pattern: str, rel_path: str) -> bool:
    """Match a glob on a path relative to the source prefix.

    A pattern matches at any depth unless it starts with `/`, which anchors it at the source's
    prefix: `drafts/**` excludes `drafts/a.md` and `hr/drafts/reorg.md`, `/drafts/**` only the
    first. This is .gitignore's rule for a bare name, extended to patterns with a slash in the
    middle (which .gitignore anchors), because a folder named anywhere is what people mean by
    `drafts/**`. A pattern without `/` matches the file name (`*.md` matches `a/b/c.md`), and one
    with only a trailing `/` everything under such a folder (`drafts/`).
    """
    if pattern.startswith("/"):
        return bool(glob_to_regex(pattern.lstrip("/")).match(rel_path))
    if pattern.endswith("/") and "/" not in pattern[:-1]:
        return bool(glob_to_regex(f"**/{pattern}**").match(rel_path))
    if "/" not in pattern:
        return bool(glob_to_regex(pattern).match(posixpath.basename(rel_path)))
    return bool(glob_to_regex(f"**/{pattern}").match(rel_path))


@dataclass(frozen=True)
class Selector:
    extensions: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_size: int | None = None

    def skip_reason(self, obj: ListedObject) -> str | None:
        """None when the object is selected, else the reason it is skipped."""
        if obj.key.endswith("/"):
            return SKIP_FOLDER_MARKER
        if self.extensions and not obj.key.lower().endswith(self.extensions):
            return SKIP_EXTENSION
        if self.include and not any(glob_matches(p, obj.rel_path) for p in self.include):
            return SKIP_NOT_INCLUDED
        if self.exclude and any(glob_matches(p, obj.rel_path) for p in self.exclude):
            return SKIP_EXCLUDED
        if self.max_file_size is not None and obj.size > self.max_file_size:
            return SKIP_TOO_LARGE
        return None


def selector_for(source: object) -> Selector:
    """The selection rules of a source (anything with extensions, include, exclude and
    max_file_size)."""
    return Selector(
        extensions=tuple(source.extensions),  # type: ignore[attr-defined]
        include=tuple(source.include),  # type: ignore[attr-defined]
        exclude=tuple(source.exclude),  # type: ignore[attr-defined]
        max_file_size=source.max_file_size,  # type: ignore[attr-defined]
    )
