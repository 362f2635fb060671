"""Placeholder rendering: values, missing names, malformed templates, inert customer data."""

from __future__ import annotations

import pytest

from agentdesk.domain.templates import TemplateError, check, render, template_context

TICKET = {"id": 42, "subject": "Refund please", "status": "open", "priority": "high", "tags": []}
CUSTOMER = {"name": "Ann Marie Lee", "email": "ann@example.org", "phone": None}
ORG = {"name": "Northwind", "domain": "northwind.test"}
AGENT = {"name": "Dana Smith", "email": "dana@desk.test", "signature": "Dana, Support"}


def ctx(**overrides: object) -> dict:
    values: dict = {"ticket": TICKET, "customer": CUSTOMER, "organisation": ORG, "agent": AGENT}
    values.update(overrides)
    return template_context(**values)


def test_required_placeholders_render() -> None:
    body = (
        "{{ customer.first_name }}|{{ customer.name }}|{{ customer.organisation }}|"
        "{{ agent.first_name }}|{{ agent.signature }}|{{ ticket.id }}|{{ ticket.subject }}|"
        "{{ ticket.status }}|{{ customer.last_name }}"
    )
    result = render(body, ctx())
    assert result.text == "Ann|Ann Marie Lee|Northwind|Dana|Dana, Support|42|Refund please|open|Lee"
    assert result.missing == [] and result.complete


def test_missing_values_are_named_never_silently_empty() -> None:
    body = "Hi {{ customer.first_name }} of {{ customer.organisation }}, {{ agent.signature }}"
    result = render(body, ctx(organisation=None, agent={**AGENT, "signature": "   "}))
    assert result.missing == ["customer.organisation", "agent.signature"]
    assert result.text == "Hi Ann of , "
    assert [name for _, name in result.segments if name] == result.missing
    # Unknown names and typos are reported the same way, once each.
    typo = render("{{ custmer.name }} {{ custmer.name }} {{ ticket.nope }}", ctx())
    assert typo.missing == ["custmer", "ticket.nope"]  # an unknown root is named as such


def test_default_filter_supplies_a_value() -> None:
    result = render("{{ customer.organisation | default: 'there' }}", ctx(organisation=None))
    assert result.text == "there" and result.missing == []
    # Missing values inside filters are still caught.
    upper = render("{{ customer.phone | upcase }}!", ctx())
    assert upper.missing == ["customer.phone"] and upper.text == "!"


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("Hello\n\n{{ customer.name | nofilter }}", 3, "unknown filter"),
        ("Hello\n{% if customer.name %}\nno end", 3, "endif"),
        ("a\nb\nc {{ customer.name ", 3, "}}"),
        ("a\n{% bogus %}", 2, "bogus"),
        ("x\n{{ customer.name | }}\ny", 2, "expected"),
    ],
)
def test_malformed_templates_name_their_line(body: str, line: int, words: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render(body, ctx())
    assert caught.value.line == line
    assert words in caught.value.message
    assert str(caught.value).startswith(f"line {line}: ")
    with pytest.raises(TemplateError):
        check(body)


def test_customer_text_is_data_not_template_or_markup() -> None:
    hostile = "{{ agent.email }} [bold red]x[/] \x1b]52;c;ZXZpbA==\x07 \x1b[2J \u202eevil"
    result = render("Dear {{ customer.name }}", ctx(customer={"name": hostile}))
    # Liquid never evaluates values: the braces stay as typed, nothing is substituted.
    assert result.text == f"Dear {hostile}"
    assert "dana@desk.test" not in result.text
    # Our private marker characters cannot be forged from customer data.
    forged = render("{{ customer.name }}", ctx(customer={"name": "\ue0000\ue001 x"}))
    assert forged.missing == [] and forged.text == "0 x"


def test_sandbox_limits_runaway_templates() -> None:
    with pytest.raises(TemplateError):
        render("{% for i in (1..100000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}", {})
    with pytest.raises(TemplateError):
        render("{% include 'secrets' %}", {})  # no loader: nothing to read


def test_tags_and_group_are_available() -> None:
    result = render(
        "{{ ticket.tags | join: ', ' }} / {{ ticket.group }}",
        template_context(ticket={**TICKET, "tags": ["vip", "refund"]}, group={"name": "Billing"}),
    )
    assert result.text == "vip, refund / Billing"
