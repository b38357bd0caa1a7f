"""Read S3 event notifications from queue message bodies.

Three shapes arrive in practice: S3's own notification JSON (`Records`, keys URL-encoded with `+`
for a space), the same wrapped in an SNS envelope, and EventBridge's (`detail-type`
"Object Created" / "Object Deleted", keys as they are). S3's `s3:TestEvent`, sent when a
notification is configured, carries no object.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote_plus

from s3_ingest.core.index.base import ManifestEntry

# RESTORED: an archived object's copy became readable - the same version, its text new to us.
CREATED, REMOVED, RESTORED = "created", "removed", "restored"


@dataclass(frozen=True)
class ObjectEvent:
    bucket: str
    key: str
    kind: str  # CREATED, REMOVED (a delete marker is a removal too) or RESTORED
    etag: str | None = None
    version_id: str | None = None
    sequencer: str | None = None
    event_time: datetime | None = None  # when S3 made the change


def _time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class NotAnS3Event(ValueError):
    """A message body that is not an S3 event in any shape we know."""


def _from_records(records: list[dict]) -> list[ObjectEvent]:
    events = []
    for record in records:
        name = record.get("eventName", "")
        s3 = record.get("s3") or {}
        obj, bucket = s3.get("object") or {}, (s3.get("bucket") or {}).get("name")
        if not bucket or "key" not in obj:
            raise NotAnS3Event("a record without bucket or key")
        if name.startswith("ObjectCreated:"):
            kind = CREATED
        elif name.startswith("ObjectRemoved:"):
            kind = REMOVED
        elif name == "ObjectRestore:Completed":
            kind = RESTORED
        else:
            continue  # a restore started or expired, replication, tagging ...: nothing to index
        events.append(ObjectEvent(bucket, unquote_plus(obj["key"]), kind, obj.get("eTag"),
                                  obj.get("versionId"), obj.get("sequencer"),
                                  _time(record.get("eventTime"))))
    return events


def _from_eventbridge(body: dict) -> list[ObjectEvent]:
    kind = {"Object Created": CREATED, "Object Deleted": REMOVED,
            "Object Restore Completed": RESTORED}.get(body.get("detail-type"))
    if kind is None:
        return []
    detail = body.get("detail") or {}
    obj, bucket = detail.get("object") or {}, (detail.get("bucket") or {}).get("name")
    if not bucket or "key" not in obj:
        raise NotAnS3Event("an EventBridge event without bucket or key")
    return [ObjectEvent(bucket, obj["key"], kind, obj.get("etag"), obj.get("version-id"),
                        obj.get("sequencer"), _time(body.get("time")))]


def parse_message(body: str) -> list[ObjectEvent]:
    """The object events in one queue message body; [] for a test event or other S3 events."""
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        raise NotAnS3Event("not JSON") from None
    if not isinstance(data, dict):
        raise NotAnS3Event("not a JSON object")
    if data.get("Type") == "Notification" and isinstance(data.get("Message"), str):
        return parse_message(data["Message"])  # an SNS envelope
    if data.get("Event") == "s3:TestEvent":
        return []
    if isinstance(data.get("Records"), list):
        return _from_records(data["Records"])
    if data.get("source") == "aws.s3" and "detail-type" in data:
        return _from_eventbridge(data)
    raise NotAnS3Event("no Records, no EventBridge detail")


def already_indexed(event: ObjectEvent, entry: ManifestEntry | None) -> bool:
    """True when the index already holds the state this event announces (or a later one):
    a removal of a key it does not hold, or a creation it has indexed since - so an event for
    a change that a run has already picked up (the first fill, seen by both sensors) asks for
    no second run."""
    if event.kind == REMOVED:
        return entry is None
    if event.kind == RESTORED:
        return entry is not None and not entry.archived  # its text is in already
    if entry is None or event.event_time is None:
        return False
    made = event.event_time.replace(microsecond=0)  # last-modified times have whole seconds
    if entry.last_modified > made:
        return True
    return entry.last_modified == made and bool(event.etag) and event.etag == entry.etag
