"""The seeded data looks like a real support desk, and is consistent with the domain rules."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import Counter
from datetime import UTC, datetime

from liquid import Environment
from sqlmodel import Session, create_engine, select

from agentdesk.domain.enums import Channel, Priority, SlaState, Status
from agentdesk.domain.models import Agent, CannedResponse, Message, SlaPolicy, Ticket
from agentdesk.domain.sla import due_times, next_due, sla_state
from agentdesk.server.seed_data.scenarios import SCENARIOS

from .conftest import NOW, TICKETS, Seeded


def _db(seeded: Seeded) -> sqlite3.Connection:
    return sqlite3.connect(seeded.path)


def test_counts_match_the_report(seeded: Seeded) -> None:
    db = _db(seeded)
    for table, count in seeded.report.counts.items():
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == count
    assert seeded.report.counts["tickets"] == TICKETS
    assert seeded.report.counts["canned_responses"] >= 30


def test_many_distinct_scenarios_and_varied_text(seeded: Seeded) -> None:
    db = _db(seeded)
    scenario_tags = {s.tags[0] for s in SCENARIOS}
    seen = Counter()
    for (tags,) in db.execute("SELECT tags FROM tickets"):
        first = json.loads(tags)[0]
        assert first in scenario_tags
        seen[first] += 1
    assert len(seen) >= 10
    assert seen.most_common(1)[0][1] < 0.25 * TICKETS  # no scenario dominates

    bodies = Counter(body for (body,) in db.execute("SELECT body FROM messages"))
    total = sum(bodies.values())
    assert bodies.most_common(1)[0][1] < 0.02 * total, bodies.most_common(3)
    assert len(bodies) > 0.8 * total
    subjects = Counter(s for (s,) in db.execute("SELECT subject FROM tickets"))
    assert len(subjects) > 0.5 * TICKETS


def test_every_ticket_has_a_thread_starting_with_the_customer(seeded: Seeded) -> None:
    db = _db(seeded)
    rows = db.execute(
        "SELECT t.id, t.customer_id, t.created_at, m.author_kind, m.author_id, m.created_at "
        "FROM tickets t JOIN messages m ON m.ticket_id = t.id "
        "WHERE m.created_at = (SELECT min(created_at) FROM messages WHERE ticket_id = t.id)"
    ).fetchall()
    assert len({r[0] for r in rows}) == TICKETS
    for _id, customer_id, created, kind, author_id, first_at in rows:
        assert (kind, author_id, first_at) == ("customer", customer_id, created)
    kinds = Counter(db.execute("SELECT author_kind, public FROM messages").fetchall())
    assert kinds[("agent", 0)] > 0  # internal notes
    assert kinds[("agent", 1)] > TICKETS / 2  # public replies
    per_ticket = db.execute("SELECT count(*) * 1.0 / count(DISTINCT ticket_id) FROM messages")
    assert 2.5 <= per_ticket.fetchone()[0] <= 5


def test_statuses_priorities_and_channels_in_realistic_proportions(seeded: Seeded) -> None:
    db = _db(seeded)
    statuses = Counter(dict(db.execute("SELECT status, count(*) FROM tickets GROUP BY 1")))
    assert set(statuses) == {s.value for s in Status}
    assert statuses["solved"] + statuses["closed"] > 0.5 * TICKETS
    priorities = Counter(dict(db.execute("SELECT priority, count(*) FROM tickets GROUP BY 1")))
    assert set(priorities) == {p.value for p in Priority}
    assert priorities["normal"] > priorities["urgent"]
    channels = {c for (c,) in db.execute("SELECT DISTINCT channel FROM tickets")}
    assert channels == {c.value for c in Channel}


def test_sla_spread_and_due_times_follow_the_domain_maths(seeded: Seeded) -> None:
    engine = create_engine(seeded.url)
    with Session(engine) as session:
        policies = {p.id: p for p in session.exec(select(SlaPolicy))}
        states = Counter()
        for ticket in session.exec(select(Ticket)):
            policy = policies[ticket.sla_policy_id]
            dues = due_times(ticket.created_at, ticket.priority, policy.targets)
            assert ticket.first_reply_due == dues.first_reply_due
            assert ticket.resolution_due == dues.resolution_due
            expected = next_due(
                ticket.status, ticket.first_reply_at, dues.first_reply_due, dues.resolution_due
            )
            assert ticket.sla_due_at == expected
            assert ticket.created_at <= NOW
            assert ticket.updated_at >= ticket.created_at
            if ticket.status.is_done:
                assert ticket.solved_at is not None and ticket.solved_at <= NOW
            states[sla_state(ticket.sla_due_at, NOW)] += 1
            # Open tickets after a first reply have one; new ones never.
            if ticket.status is Status.NEW:
                assert ticket.first_reply_at is None and ticket.assignee_id is None
    engine.dispose()
    assert states[SlaState.BREACHED] >= 5
    assert states[SlaState.AT_RISK] >= 3
    assert states[SlaState.OK] >= 10


def test_rows_read_back_through_the_models(seeded: Seeded) -> None:
    """The raw bulk format is exactly what SQLAlchemy reads: enums, JSON, aware datetimes."""
    engine = create_engine(seeded.url)
    with Session(engine) as session:
        ticket = session.exec(select(Ticket).where(Ticket.id == 1)).one()
        assert isinstance(ticket.status, Status)
        assert isinstance(ticket.tags, list) and ticket.tags
        assert ticket.created_at.tzinfo is not None
        message = session.exec(select(Message).where(Message.ticket_id == 1)).first()
        assert message is not None
        assert uuid.UUID(message.id).version == 7
        assert isinstance(message.public, bool)
        agent = session.exec(select(Agent).where(Agent.id == 1)).one()
        assert agent.group_ids and agent.skills
    engine.dispose()


def test_customers_organisations_and_agents(seeded: Seeded) -> None:
    db = _db(seeded)
    customers, with_org = db.execute(
        "SELECT count(*), count(organisation_id) FROM customers"
    ).fetchone()
    assert with_org > 0.6 * customers
    assert db.execute("SELECT count(DISTINCT email) FROM customers").fetchone()[0] == customers
    names = [n for (n,) in db.execute("SELECT name FROM customers")]
    assert len(set(names)) > 0.9 * len(names)
    assert all(" " in n for n in names)
    tiers = {t for (t,) in db.execute("SELECT DISTINCT tier FROM organisations")}
    assert tiers == {"standard", "premium", "enterprise"}
    repeaters = db.execute(
        "SELECT count(*) FROM (SELECT customer_id FROM tickets GROUP BY 1 HAVING count(*) > 2)"
    ).fetchone()[0]
    assert repeaters > 0

    roles = Counter(r for (r,) in db.execute("SELECT role FROM agents"))
    assert roles["admin"] == 1 and roles["lead"] == 4 and roles["agent"] >= 1
    for group_ids, skills, signature in db.execute(
        "SELECT group_ids, skills, signature FROM agents"
    ):
        assert json.loads(group_ids) and json.loads(skills) and signature
    assigned_outside = db.execute(
        "SELECT count(*) FROM tickets t JOIN agents a ON a.id = t.assignee_id "
        "WHERE NOT EXISTS (SELECT 1 FROM json_each(a.group_ids) WHERE value = t.group_id)"
    ).fetchone()[0]
    assert assigned_outside == 0


def test_canned_responses_render_with_liquid(seeded: Seeded) -> None:
    env = Environment()
    context = {
        "customer": {"first_name": "Ana", "name": "Ana Ruiz", "organisation": None},
        "agent": {"first_name": "Dana", "signature": "Dana\nBilling"},
        "ticket": {"id": 12, "subject": "Refund", "status": "open"},
    }
    engine = create_engine(seeded.url)
    with Session(engine) as session:
        canned = list(session.exec(select(CannedResponse)))
    engine.dispose()
    assert len(canned) >= 30
    assert len({c.category for c in canned}) >= 5
    assert any(c.owner_id is None for c in canned) and any(c.owner_id for c in canned)
    with_actions = [c for c in canned if c.actions]
    assert len(with_actions) >= 15
    for c in with_actions:
        assert set(c.actions) <= {"status", "priority", "assignee_id", "add_tags", "remove_tags"}
    for c in canned:
        text = env.from_string(c.body).render(**context)
        assert "{{" not in text and "}}" not in text
    placeholders = "".join(c.body for c in canned)
    for name in ("customer.first_name", "agent.signature", "ticket.id", "ticket.subject"):
        assert name in placeholders
    assert "| default:" in placeholders


def test_ratings_only_on_solved_tickets(seeded: Seeded) -> None:
    db = _db(seeded)
    rows = db.execute(
        "SELECT r.score, t.status, r.customer_id = t.customer_id, r.created_at >= t.solved_at "
        "FROM satisfaction_ratings r JOIN tickets t ON t.id = r.ticket_id"
    ).fetchall()
    assert len(rows) > 10
    assert all(status in ("solved", "closed") and same and after for _, status, same, after in rows)
    assert {score for score, *_ in rows} <= {1, 2, 3, 4, 5}
    assert len({score for score, *_ in rows}) >= 3


def test_versions_are_unique_and_the_sequence_ends_at_the_top(seeded: Seeded) -> None:
    db = _db(seeded)
    versions: list[int] = []
    for table in seeded.report.counts:
        versions += [v for (v,) in db.execute(f"SELECT version FROM {table}")]
    assert len(versions) == len(set(versions)) == seeded.report.rows
    assert min(versions) == 1
    assert max(versions) == seeded.report.last_version
    assert db.execute("SELECT value FROM change_sequence WHERE id = 1").fetchone()[0] == max(
        versions
    )
    # Parents come before children: a ticket's version is below its messages' versions.
    late = db.execute(
        "SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id "
        "WHERE m.version < t.version"
    ).fetchone()[0]
    assert late == 0
    orphan = db.execute(
        "SELECT count(*) FROM tickets t JOIN customers c ON c.id = t.customer_id "
        "WHERE c.version > t.version"
    ).fetchone()[0]
    assert orphan == 0


def test_ticket_ids_follow_creation_time(seeded: Seeded) -> None:
    db = _db(seeded)
    created = [c for (c,) in db.execute("SELECT created_at FROM tickets ORDER BY id")]
    assert created == sorted(created)
    newest = datetime.fromisoformat(created[-1]).replace(tzinfo=UTC)
    assert (NOW - newest).total_seconds() < 86400 * 2


def test_saved_views_speak_the_stores_filter_syntax(seeded: Seeded) -> None:
    from agentdesk.store.queries import SORT_COLUMNS
    from agentdesk.store.search import parse_query

    rows = sqlite3.connect(seeded.path).execute(
        "SELECT name, query, sort, owner_id FROM saved_views"
    )
    views = rows.fetchall()
    assert len(views) >= 8
    for name, query, sort, owner in views:
        assert owner is None, name  # shared
        assert parse_query(query).filters, name
        assert sort.removeprefix("-") in SORT_COLUMNS, name


def test_swarms_on_hard_cases(seeded: Seeded) -> None:
    db = _db(seeded)
    swarms = db.execute(
        "SELECT s.id, s.owner_id, s.member_ids, s.ask, s.status, s.outcome, s.closed_at, "
        "t.status, t.assignee_id FROM swarms s JOIN tickets t ON t.id = s.ticket_id"
    ).fetchall()
    assert len(swarms) >= 3
    assert {s[4] for s in swarms} == {"open", "closed"}
    for _id, owner, members, ask, status, outcome, closed_at, ticket_status, assignee in swarms:
        members = json.loads(members)
        assert owner == assignee and owner in members and len(members) >= 2
        assert ask
        if status == "open":
            assert ticket_status in ("open", "on-hold") and outcome is None and closed_at is None
        else:
            assert ticket_status in ("solved", "closed") and outcome and closed_at
    authors_outside = db.execute(
        "SELECT count(*) FROM swarm_messages m JOIN swarms s ON s.id = m.swarm_id "
        "WHERE NOT EXISTS (SELECT 1 FROM json_each(s.member_ids) WHERE value = m.author_id)"
    ).fetchone()[0]
    assert authors_outside == 0
    assert db.execute("SELECT count(*) FROM swarm_messages").fetchone()[0] >= 2 * len(swarms)
    outcome_notes = db.execute(
        "SELECT count(*) FROM messages WHERE public = 0 AND body LIKE 'Swarm outcome (with %'"
    ).fetchone()[0]
    assert outcome_notes == sum(1 for s in swarms if s[4] == "closed")
