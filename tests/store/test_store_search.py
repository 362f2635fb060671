"""The search syntax and full-text search over subjects, messages and customers."""

from __future__ import annotations

import contextlib

import pytest
import storekit as f

from agentdesk.store import Cache, ParseError, parse_query
from agentdesk.store.search import Filter, fts_expression


def ids(cache: Cache, text: str) -> list[int]:
    return sorted(r.id for r in cache.search(text, sort="id", limit=1000))


def test_parse_fields_words_and_phrases() -> None:
    query = parse_query(
        "status:open prio:urgent assignee:me tag:refund channel:chat customer:acme "
        '"exact phrase" free words -status:closed group:"Tier 2" #42'
    )
    assert query.filters == (
        Filter("status", ("open",)),
        Filter("priority", ("urgent",)),
        Filter("assignee", ("me",)),
        Filter("tag", ("refund",)),
        Filter("channel", ("chat",)),
        Filter("customer", ("acme",)),
        Filter("status", ("closed",), negate=True),
        Filter("group", ("Tier 2",)),
        Filter("id", ("42",)),
    )
    assert query.terms == ("free", "words")
    assert query.phrases == ("exact phrase",)


def test_values_are_case_insensitive_and_listable() -> None:
    query = parse_query("STATUS:Open,on-hold Priority:HIGH")
    assert query.filters == (
        Filter("status", ("open", "on-hold")),
        Filter("priority", ("high",)),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour:red", "unknown filter colour:"),
        ("status:exploded", "unknown status 'exploded'"),
        ("prio:", "prio: needs a value"),
        ("sla:tomorrow", "unknown sla 'tomorrow'"),
    ],
)
def test_bad_syntax_is_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_query(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_fts_expression_quotes_every_term() -> None:
    assert fts_expression(("refund", 'say"hi'), ("two words",)) == (
        '"refund" AND "say""hi" AND "two words"'
    )
    assert fts_expression(("NEAR(a", "b)", "OR", "*"), ()) == '"NEAR(a" AND "b)" AND "OR"'


@pytest.mark.parametrize(
    "text",
    [
        '"',
        'a"b',
        "NEAR(x y)",
        "x OR y",
        "* ^ - +",
        "subject:x",
        "AND",
        "NOT refund",
        "'\"'",
        "\x1b[2J",
        "]]]] [[[[",
        "-",
        "#",
        "#abc",
        "tag:",
        '"unterminated phrase',
        "😀",
        "a*",
    ],
)
def test_hostile_search_text_never_breaks_sqlite(seeded: Cache, text: str) -> None:
    with contextlib.suppress(ParseError):  # a clear message is fine; an sqlite3 error is not
        seeded.search(text)


def test_finds_subjects_message_bodies_and_customers(seeded: Cache) -> None:
    assert ids(seeded, "refund") == [1]  # subject (and message)
    assert ids(seeded, "grinding") == [4]  # only in a message body
    assert ids(seeded, "ada@acme.example") == [1, 3]  # customer email
    assert ids(seeded, "lovelace") == [1, 3]  # customer name
    assert ids(seeded, "chloe") == [4, 6]  # diacritics folded: Chloé
    assert ids(seeded, "parcel never") == [1]  # all words, across one source
    assert ids(seeded, '"never arrived"') == [1]
    assert ids(seeded, '"arrived never"') == []  # a phrase keeps its order
    assert ids(seeded, "nothingmatchesthis") == []


def test_field_filters(seeded: Cache) -> None:
    assert ids(seeded, "status:open") == [1, 2, 4]
    assert ids(seeded, "-status:open") == [3, 5, 6]
    assert ids(seeded, "prio:urgent") == [2]
    assert ids(seeded, "channel:chat") == [2]
    assert ids(seeded, "tag:refund") == [1, 4]
    assert ids(seeded, "tag:refund tag:hardware") == [4]
    assert ids(seeded, "tag:refund,hardware") == [1, 4]
    assert ids(seeded, "assignee:me") == [1]
    assert ids(seeded, "assignee:none") == [2, 3, 5, 6]
    assert ids(seeded, "assignee:fox.mulder@desk.test") == [4]
    assert ids(seeded, "assignee:mulder") == [4]
    assert ids(seeded, "assignee:nobody-here") == []
    assert ids(seeded, "group:billing") == [1, 3, 5, 6]
    assert ids(seeded, "group:mine") == [1, 3, 5, 6]
    assert ids(seeded, "group:nosuchgroup") == []
    assert ids(seeded, "customer:acme") == [1, 3]  # the organisation's name
    assert ids(seeded, "customer:bob") == [2, 5]
    assert ids(seeded, "customer:bob@builders.example") == [2, 5]
    assert ids(seeded, "customer:BOB@builders.example") == [2, 5]
    assert ids(seeded, "customer:bob@builders") == [2, 5]  # part of an address
    assert ids(seeded, "#4") == [4]
    assert ids(seeded, "sla:breached") == [1, 2, 4, 6]  # the seed's deadlines are long past
    assert ids(seeded, "sla:risk") == [1, 2, 4, 6]
    assert ids(seeded, "sla:at-risk") == []
    assert ids(seeded, "sla:none") == [3, 5]
    assert ids(seeded, "sla:none,breached") == [1, 2, 3, 4, 5, 6]


def test_filters_and_text_combine(seeded: Cache) -> None:
    assert ids(seeded, "status:open refund") == [1]
    assert ids(seeded, "-tag:hardware refund") == [1]
    assert ids(seeded, "customer:ada invoice") == [3]
    assert seeded.count("refund") == 1


def test_search_follows_local_and_pulled_changes(seeded: Cache) -> None:
    seeded.apply_changes([("ticket", 3, "upsert", f.ticket(3, subject="Quokka sighting"))], "c2")
    assert ids(seeded, "quokka") == [3]
    assert ids(seeded, "invoice") == []
    seeded.add_message(2, "Have you tried the wombat procedure?")
    assert ids(seeded, "wombat") == [2]
    seeded.tag_ticket(2, add=["escalated"])
    assert ids(seeded, "tag:escalated") == [2]
    seeded.apply_changes([("message", "m3", "delete", None)], "c3")
    assert ids(seeded, "grinding") == []


def test_sla_states_are_relative_to_now(cache: Cache) -> None:
    from datetime import timedelta

    from agentdesk.domain.timeutil import to_iso, utcnow

    now = utcnow()
    rows = []
    for ticket_id, due in [(1, -10), (2, 30), (3, 300), (4, None)]:
        row = f.ticket(ticket_id, status="open" if due is not None else "pending")
        row["sla_due_at"] = None if due is None else to_iso(now + timedelta(minutes=due))
        rows.append(row)
    cache.apply_changes(f.upserts("ticket", rows), "c1")
    assert ids(cache, "sla:breached") == [1]
    assert ids(cache, "sla:at-risk") == [2]
    assert ids(cache, "sla:risk") == [1, 2]
    assert ids(cache, "sla:ok") == [3]
    assert ids(cache, "sla:none") == [4]
    assert ids(cache, "-sla:risk") == [3, 4]
    assert cache.next_breach().id == 1
