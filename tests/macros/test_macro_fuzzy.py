"""Fuzzy matching and ranking of canned responses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agentdesk.domain.fuzzy import frecency, match, prepare, rank

ROWS = [
    {
        "id": "a",
        "title": "Refund approved",
        "category": "Billing",
        "tags": ["refund"],
        "body": "Your money is on its way",
        "usage_count": 10,
    },
    {
        "id": "b",
        "title": "Reset your password",
        "category": "Accounts",
        "tags": ["login"],
        "body": "Use the link",
        "usage_count": 500,
    },
    {
        "id": "c",
        "title": "Shipping delay",
        "category": "Logistics",
        "tags": [],
        "body": "A refund is possible if it does not arrive",
        "usage_count": 0,
    },
    {
        "id": "d",
        "title": "Partial refund",
        "category": "Billing",
        "tags": [],
        "body": "",
        "usage_count": 0,
    },
    {"id": "e", "title": "Greeting", "category": "General", "tags": [], "body": "Hello"},
]


def titles(query: str, usage: dict[str, float] | None = None) -> list[str]:
    return [m.candidate.title for m in rank(query, prepare(ROWS), usage)]


def test_subsequence_matches_with_positions() -> None:
    found = match("rfnd", prepare(ROWS)[0])
    assert found is not None and found.title_positions == (0, 2, 4, 5)
    assert match("zzz", prepare(ROWS)[0]) is None


def test_title_prefix_beats_mid_word_beats_body() -> None:
    assert titles("refund") == ["Refund approved", "Partial refund", "Shipping delay"]


def test_every_term_must_match_somewhere() -> None:
    assert titles("billing partial") == ["Partial refund"]
    assert titles("refund login") == []


def test_tags_and_categories_match() -> None:
    assert titles("login") == ["Reset your password"]
    assert titles("logistics") == ["Shipping delay"]


def test_own_use_breaks_ties_within_a_quality_band() -> None:
    # No query: global popularity, then title.
    assert titles("") == [
        "Reset your password",
        "Refund approved",
        "Greeting",
        "Partial refund",
        "Shipping delay",
    ]
    assert titles("", {"d": 5.0})[0] == "Partial refund"
    # Own use does not lift a much worse match above a much better one.
    assert titles("refund", {"c": 50.0})[-1] == "Shipping delay"


def test_frecency_prefers_recent_and_frequent() -> None:
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert frecency(0, now, now) == 0
    recent = frecency(2, now - timedelta(minutes=5), now)
    old = frecency(2, now - timedelta(days=30), now)
    often = frecency(30, now - timedelta(days=30), now)
    assert recent > old and often > old
