"""Parsing S3 event notifications in every shape they arrive in."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st
from urllib.parse import quote_plus

from datetime import datetime, timezone

from s3_ingest.core.index.base import ManifestEntry
from s3_ingest.core.plan.events import (
    CREATED, REMOVED, RESTORED, NotAnS3Event, already_indexed, parse_message,
)


def records(*entries):
    return json.dumps({"Records": [
        {"eventName": name, "s3": {"bucket": {"name": "b"}, "object": {"key": key, "eTag": "e"}}}
        for name, key in entries
    ]})


def test_s3_records_decode_keys_and_kinds():
    events = parse_message(records(("ObjectCreated:Put", "a/my+file%2B%C3%A9.txt"),
                                   ("ObjectRemoved:DeleteMarkerCreated", "a/gone.md"),
                                   ("ObjectRestore:Post", "a/cold.md"),
                                   ("ObjectRestore:Completed", "a/cold.md"),
                                   ("ObjectRestore:Delete", "a/cold.md")))
    assert [(e.key, e.kind) for e in events] == [("a/my file+é.txt", CREATED),
                                                ("a/gone.md", REMOVED), ("a/cold.md", RESTORED)]


def test_a_completed_restore_asks_for_the_text_only_of_an_archive_never_read():
    [event] = parse_message(records(("ObjectRestore:Completed", "a/cold.md")))
    stamp = datetime(2026, 1, 1, tzinfo=timezone.utc)
    unread = ManifestEntry("a/cold.md", "e", 4, stamp, archived=True)
    read = ManifestEntry("a/cold.md", "e", 4, stamp)
    assert not already_indexed(event, unread)
    assert already_indexed(event, read)
    bridge = json.dumps({"source": "aws.s3", "detail-type": "Object Restore Completed",
                         "detail": {"bucket": {"name": "b"}, "object": {"key": "c.md"}}})
    assert [(e.key, e.kind) for e in parse_message(bridge)] == [("c.md", RESTORED)]


def test_sns_envelope_and_eventbridge_and_test_event():
    wrapped = json.dumps({"Type": "Notification", "Message": records(("ObjectCreated:Copy", "k"))})
    assert [e.key for e in parse_message(wrapped)] == ["k"]
    bridge = json.dumps({"source": "aws.s3", "detail-type": "Object Deleted",
                         "detail": {"bucket": {"name": "b"}, "object": {"key": "x y.md"}}})
    assert [(e.key, e.kind) for e in parse_message(bridge)] == [("x y.md", REMOVED)]
    assert parse_message(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"})) == []


@pytest.mark.parametrize("body", ["", "[]", "{}", "null", '{"Records": [{"s3": {}}]}'])
def test_unreadable_messages_are_reported(body):
    with pytest.raises(NotAnS3Event):
        parse_message(body)


@given(st.text(min_size=1, max_size=200))
def test_any_key_survives_s3_url_encoding(key):
    key = key.replace("\x00", "")
    if not key:
        return
    [event] = parse_message(records(("ObjectCreated:Put", quote_plus(key))))
    assert event.key == key
