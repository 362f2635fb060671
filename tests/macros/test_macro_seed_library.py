"""The seeded canned responses use only placeholders and actions this feature supports."""

from __future__ import annotations

from agentdesk.domain.canned import describe_actions, normal_actions
from agentdesk.domain.canned_markdown import from_markdown, to_markdown
from agentdesk.domain.templates import check, render, template_context
from agentdesk.server.seed_data.library import CANNED_RESPONSES

FULL = template_context(
    ticket={"id": 7, "subject": "Parcel late", "status": "open", "priority": "high", "tags": []},
    customer={"name": "Ann Lee", "email": "ann@example.org", "phone": "+1 555 0100"},
    organisation={"name": "Northwind", "domain": "northwind.test"},
    agent={"name": "Dana Smith", "email": "dana@desk.test", "signature": "Dana, Support"},
    group={"name": "Logistics"},
)


def test_library_is_large_and_renders_completely() -> None:
    assert len(CANNED_RESPONSES) >= 30
    greeting = render(CANNED_RESPONSES[0].body, FULL).text
    assert greeting.startswith("Hi Ann,") and greeting.endswith("Dana, Support")
    for canned in CANNED_RESPONSES:
        check(canned.body)
        rendered = render(canned.body, FULL)
        assert rendered.missing == [], canned.title
        assert "{{" not in rendered.text and "}}" not in rendered.text
        assert normal_actions(canned.actions) == canned.actions, canned.title
        assert len(describe_actions(canned.actions)) == len(canned.actions)


def test_library_survives_a_markdown_round_trip() -> None:
    for canned in CANNED_RESPONSES:
        row = {
            "title": canned.title,
            "body": canned.body,
            "category": canned.category,
            "tags": list(canned.tags),
            "actions": canned.actions,
            "owner_id": None,
        }
        doc = from_markdown(to_markdown(row))
        assert (doc.title, doc.body, doc.category, doc.tags, doc.actions, doc.shared) == (
            canned.title,
            canned.body,
            canned.category,
            list(canned.tags),
            canned.actions,
            True,
        )
