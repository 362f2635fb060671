"""The RT mapping, the delivery marker, settings and cursors: pure functions, no RT needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentdesk import paths
from agentdesk.domain.enums import Priority, Status
from agentdesk.domain.ids import uuid7
from agentdesk.sync.backend import AuthError
from agentdesk.sync.rt import (
    RTCursor,
    RTMapping,
    decode_secret,
    encode_secret,
    load_settings,
    mapping,
    marker,
)
from agentdesk.sync.rt.settings import RTSettingsError


def test_marker_round_trips_and_is_invisible() -> None:
    message_id = uuid7()
    text = marker.with_marker("Hello\n", message_id)
    body, found = marker.split(text)
    assert (body, found) == ("Hello", message_id)
    line = text.splitlines()[-1]
    assert all(ch in marker.ALPHABET + marker.FRAME for ch in line)
    assert marker.split("plain text [agentdesk:x]") == ("plain text [agentdesk:x]", None)
    # RT may add trailing whitespace; the marker is still found.
    assert marker.find(text + "\n ") == message_id


@pytest.mark.parametrize(
    ("rt_status", "status"),
    [
        ("new", Status.NEW),
        ("open", Status.OPEN),
        ("stalled", Status.PENDING),
        ("resolved", Status.SOLVED),
        ("rejected", Status.CLOSED),
        ("deleted", None),
    ],
)
def test_status_mapping(rt_status: str, status: Status | None) -> None:
    assert mapping.status_from_rt(rt_status) == status
    if status is not None:
        assert mapping.status_to_rt(status) == rt_status


def test_on_hold_goes_out_as_stalled() -> None:
    assert mapping.status_to_rt(Status.ON_HOLD) == "stalled"


def test_priority_thresholds_and_values() -> None:
    rt_mapping = RTMapping()
    assert [rt_mapping.priority_from_rt(v) for v in (0, 24, 25, 74, 75, 94, 95, 500)] == [
        Priority.LOW,
        Priority.LOW,
        Priority.NORMAL,
        Priority.NORMAL,
        Priority.HIGH,
        Priority.HIGH,
        Priority.URGENT,
        Priority.URGENT,
    ]
    for level in Priority:
        assert rt_mapping.priority_from_rt(rt_mapping.priority_to_rt(level)) is level
    with pytest.raises(ValueError, match="maps back"):
        RTMapping(priority_thresholds=(10, 20, 30))  # normal=50 would read back as urgent


def test_ticket_row_from_a_search_item() -> None:
    item = {
        "id": "7",
        "Subject": "Printer",
        "Status": "open",
        "Priority": "80",
        "Owner": {"id": 6, "Name": "Nobody"},
        "Requestor": [{"id": 42, "Name": "erin@x.test", "EmailAddress": "erin@x.test"}],
        "Queue": {"id": 3, "Name": "Support"},
        "Created": "2026-11-24T10:00:00Z",
        "LastUpdated": "2026-11-24T11:00:00Z",
        "Due": "2026-11-25T10:00:00Z",
        "Started": "1970-01-01T00:00:00Z",
        "Resolved": "1970-01-01T00:00:00Z",
        "EffectiveId": {"id": "7"},
        "CustomFields": [{"name": "Tags", "values": ["vip"]}],
    }
    row = mapping.ticket_from_rt(item, RTMapping(tags_field="Tags"), 99, 0)
    assert row is not None
    assert row["customer_id"] == 42 and row["assignee_id"] is None and row["group_id"] == 3
    assert row["priority"] == "high" and row["tags"] == ["vip"]
    assert row["resolution_due"] == row["sla_due_at"] == "2026-11-25T10:00:00Z"
    assert row["first_reply_at"] is None and row["merged_into_id"] is None
    assert mapping.ticket_from_rt({**item, "Status": "deleted"}, RTMapping(), 1, 0) is None


def test_fields_to_rt() -> None:
    body = mapping.ticket_fields_to_rt(
        {"status": "on-hold", "priority": "urgent", "assignee_id": None, "group_id": 4},
        RTMapping(),
    )
    assert body == {"Status": "stalled", "Priority": 100, "Owner": "Nobody", "Queue": 4}


def test_settings_file(agentdesk_home: Path) -> None:
    assert load_settings().poll_interval == 15
    paths.config_dir().mkdir(parents=True, exist_ok=True)
    path = paths.config_dir() / "rt.toml"
    path.write_text('tags_field = "Labels"\npoll_interval = 30\n[priority_values]\nurgent = 99\n')
    settings = load_settings()
    assert settings.mapping.tags_field == "Labels" and settings.poll_interval == 30
    assert settings.mapping.priority_to_rt("urgent") == 99
    path.write_text("poll_interval = -1\n")
    with pytest.raises(RTSettingsError, match="poll_interval"):
        load_settings()
    path.write_text("bogus = 1\n")
    with pytest.raises(RTSettingsError, match="bogus"):
        load_settings()


def test_secrets_and_cursors() -> None:
    assert decode_secret(encode_secret("alice", "token 1-2-3")) == ("alice", "token 1-2-3")
    assert decode_secret("alice:1-28-abc") == ("alice", "token 1-28-abc")
    with pytest.raises(AuthError):
        decode_secret("garbage")
    cursor = RTCursor(1234, "messages", 77)
    assert RTCursor.decode(cursor.encode()) == cursor
    with pytest.raises(ValueError):
        RTCursor.decode('rt1:{"watermark": 1, "phase": "nope", "after": 0}')


async def test_the_engine_polls_at_rt_s_interval(agentdesk_home: Path, tmp_path: Path) -> None:
    from agentdesk.store import Cache
    from agentdesk.sync.engine import SyncEngine
    from agentdesk.sync.rt import RTBackend

    cache = Cache.open(tmp_path / "cache.sqlite3")
    try:
        async with RTBackend("http://127.0.0.1:9", "alice:1-2-3") as backend:
            assert SyncEngine(cache, backend).poll_interval == 15  # RT's default
        paths.config_dir().mkdir(parents=True, exist_ok=True)
        (paths.config_dir() / "rt.toml").write_text("poll_interval = 7\n")
        async with RTBackend("http://127.0.0.1:9", "alice:1-2-3") as backend:
            assert SyncEngine(cache, backend).poll_interval == 7
            assert SyncEngine(cache, backend, poll_interval=2).poll_interval == 2
    finally:
        cache.close()


def test_settings_per_server_override_the_top_level(agentdesk_home: Path) -> None:
    paths.config_dir().mkdir(parents=True, exist_ok=True)
    (paths.config_dir() / "rt.toml").write_text(
        'tags_field = "Tags"\n[server."https://rt.example.com"]\ntags_field = "Labels"\n'
    )
    assert load_settings("https://rt.example.com/").mapping.tags_field == "Labels"
    assert load_settings("https://other.example.com").mapping.tags_field == "Tags"
    (paths.config_dir() / "rt.toml").write_text('[server."https://x.test"]\npoll_interval = 0\n')
    with pytest.raises(RTSettingsError, match="poll_interval"):
        load_settings("https://elsewhere.test")


async def test_requests_are_paced() -> None:
    from agentdesk.sync.rt.client import Pacer

    now = [100.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(4, clock=lambda: now[0], sleep=fake_sleep)
    for _ in range(5):
        await pacer.wait()
    # Five starts at 4 per second: the last one no earlier than a second after the first.
    assert now[0] - 100.0 == pytest.approx(1.0)
    assert slept == pytest.approx([0.25] * 4)
