"""EML (RFC 822 mail): headers as properties, the body, and attachments of supported types.

Attachments are extracted by `dispatch.extract` one level deeper, so an attached pdf, docx or
mail is searchable with the mail; depth, count and total size of attachments are bounded.
"""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage, Message

from .html import extract_html
from .result import Extraction, indexed, metadata_only, with_properties
from .sections import join_sections
from .titles import clean_title

MAX_ATTACHMENTS = 50
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # all attachments of one mail together
MAX_PART_DEPTH = 20  # multipart inside multipart inside ...
_HEADERS = ("from", "to", "cc", "subject", "date")


def extract_eml(
    data: bytes, key: str, content_type: str | None, max_chars: int, *, ocr: bool = False, depth: int = 0
) -> Extraction:
    message = email.message_from_bytes(data, policy=policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        return metadata_only("eml extraction failed: no mail headers")
    bodies, attachments, skipped = _parts(message)
    sections = ["\n".join(text for text in (_part_text(part) for part in bodies) if text)]
    notes: list[str] = list(skipped)
    budget = MAX_ATTACHMENT_BYTES
    for count, part in enumerate(attachments):
        size = sum(len(section) for section in sections)
        if size >= max_chars:
            break
        if count >= MAX_ATTACHMENTS:
            notes.append(f"attachments after the first {MAX_ATTACHMENTS} skipped (limit)")
            break
        name, payload = _attachment(part)
        if len(payload) > budget:
            notes.append(f"{name}: over the attachment size limit ({MAX_ATTACHMENT_BYTES // 2**20} MB in all)")
            continue
        budget -= len(payload)
        from .dispatch import extract  # attachments go back through the dispatcher

        result = extract(
            payload, name, part.get_content_type(), max_text_chars=max_chars - size, ocr=ocr, depth=depth + 1
        )
        if result.text:
            sections.append(f"Attachment: {name}\n{result.text}")
        else:
            notes.append(f"{name}: {result.reason}")
        inner = result.properties.get("attachments_skipped")
        if inner:  # what an attached mail left out is left out of this one too
            notes.append(f"{name} > {inner}")
    subject = _header(message, "subject")
    result = indexed(join_sections(sections), clean_title(subject), max_chars)
    properties: dict[str, object] = {name: _header(message, name) for name in _HEADERS}
    properties["attachment_count"] = len(attachments) or None
    properties["attachments_skipped"] = "; ".join(notes) or None
    return with_properties(result, properties)


def _parts(message: Message) -> tuple[list[Message], list[Message], list[str]]:
    """Body parts (text shown inline), attachments (with a file name, or attached mails), and
    notes on what was left out; walked without recursion and without entering attached mails."""
    bodies: list[Message] = []
    attachments: list[Message] = []
    notes: list[str] = []
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack:
        part, level = stack.pop()
        kind = part.get_content_type()
        if part is not message and kind == "message/rfc822":
            attachments.append(part)
        elif part.is_multipart():
            if level >= MAX_PART_DEPTH:
                notes.append(f"multipart nesting over {MAX_PART_DEPTH} levels skipped")
                continue
            children = part.get_payload()
            if isinstance(children, list):
                if kind == "multipart/alternative":
                    # Same content several ways: keep the plain one when there is one.
                    plain = [child for child in children if child.get_content_type() == "text/plain"]
                    children = plain[:1] or children[-1:]
                stack.extend((child, level + 1) for child in reversed(children))
        elif part.get_filename() or part.get_content_disposition() == "attachment":
            attachments.append(part)
        elif part.get_content_maintype() == "text":
            bodies.append(part)
    return bodies, attachments, notes


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    if part.get_content_type() == "text/html":
        return extract_html(payload, "body.html", f"text/html; charset={charset}", len(payload) + 1).text or ""
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name
        return payload.decode("utf-8", errors="replace")


def _attachment(part: Message) -> tuple[str, bytes]:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        data = inner.as_bytes(policy=policy.compat32) if isinstance(inner, Message) else b""
        return (part.get_filename() or "attached.eml"), data
    payload = part.get_payload(decode=True)
    return (part.get_filename() or "attachment"), payload if isinstance(payload, bytes) else b""


def _header(message: Message, name: str) -> str | None:
    try:
        value = message.get(name)
        return str(value) if value is not None else None
    except Exception:  # a malformed header costs that header only
        return None
