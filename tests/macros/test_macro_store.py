"""Canned responses in the local cache: optimistic writes replayed over pulled rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentdesk.domain.timeutil import utcnow
from agentdesk.store import Cache, StoreError
from agentdesk.store.macros import (
    apply_macro,
    create_canned,
    delete_canned,
    find_canned,
    update_canned,
    usage_scores,
)


def _cache(tmp_path: Path) -> Cache:
    cache = Cache.open(tmp_path / "cache.sqlite3")
    cache.set_agent_id(7)
    row = {
        "id": "shared-1",
        "title": "Shipping delay",
        "body": "Sorry {{ customer.first_name }}",
        "category": "Logistics",
        "tags": ["delay"],
        "actions": {},
        "owner_id": None,
        "usage_count": 3,
        "updated_at": utcnow(),
        "version": 10,
    }
    cache.apply_changes([("canned_response", "shared-1", "upsert", row)], "c1")
    return cache


def test_pending_edit_is_replayed_over_a_pulled_row(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    update_canned(cache, "shared-1", title="Shipping delayed")
    assert cache.row("canned_response", "shared-1")["title"] == "Shipping delayed"
    pulled = {**cache.row("canned_response", "shared-1"), "title": "Shipping delay"}
    pulled.update(body="Sorry, {{ customer.name }}", version=11)
    cache.apply_changes([("canned_response", "shared-1", "upsert", pulled)], "c2")
    row = cache.row("canned_response", "shared-1")
    assert row["body"] == "Sorry, {{ customer.name }}"  # the server's change
    assert row["title"] == "Shipping delayed"  # my pending edit on top
    cache.close()


def test_create_then_find_and_delete_locally(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    new_id, _mutation = create_canned(cache, title="Mine", body="Hi", tags=["x"])
    mine = find_canned(cache, "mine")
    assert mine["id"] == new_id and mine["owner_id"] == 7 and mine["version"] == 0
    assert find_canned(cache, "ship")["id"] == "shared-1"  # unique title prefix
    assert find_canned(cache, new_id)["title"] == "Mine"
    delete_canned(cache, new_id)
    assert cache.row("canned_response", new_id) is None
    assert [r.name for r in cache.outbox_rows()] == [
        "canned_response.create",
        "canned_response.delete",
    ]
    cache.close()


def test_apply_macro_without_a_cached_ticket_queues_nothing(tmp_path: Path) -> None:
    cache = _cache(tmp_path)
    canned = cache.row("canned_response", "shared-1")
    with pytest.raises(StoreError, match="not in the local cache"):
        apply_macro(cache, 999, canned, "text")
    assert cache.outbox_rows() == [] and usage_scores(cache) == {}
    cache.close()
