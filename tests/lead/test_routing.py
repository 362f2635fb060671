"""The distribution planner: fixed cases by hand, and its promises under Hypothesis."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from agentdesk.domain.enums import Availability, Priority
from agentdesk.domain.routing import (
    Candidate,
    PendingTicket,
    matching_skills,
    plan_distribution,
    ticket_skills,
)

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def agent(
    agent_id: int,
    *,
    load: int = 0,
    capacity: int = 5,
    groups: tuple[int, ...] = (1,),
    skills: tuple[str, ...] = (),
    availability: str = "available",
    active: bool = True,
) -> Candidate:
    return Candidate(
        agent_id,
        f"Agent {agent_id}",
        availability,
        capacity,
        load,
        frozenset(groups),
        frozenset(skills),
        active,
    )


def test_ticket_skills_match_tags_to_known_skills() -> None:
    known = {"refunds", "shipping", "french", "api"}
    assert ticket_skills(["refund", "vip"], known) == {"refunds"}
    assert ticket_skills(["delivery", "late"], known) == {"shipping"}
    assert ticket_skills(["API"], known) == {"api"}
    assert ticket_skills(["bug"], known) == frozenset()  # nobody knows "bugs"
    assert matching_skills(["french", "refunds"], {"refunds"}) == ["refunds"]


def test_skills_first_then_least_loaded() -> None:
    agents = [
        agent(1, load=0),
        agent(2, load=3, skills=("refunds",)),
        agent(3, load=1),
    ]
    tickets = [
        PendingTicket(100, 1, ("refund",), sla_due_at=NOW + timedelta(hours=1)),
        PendingTicket(101, 1, ("other",), sla_due_at=NOW + timedelta(hours=2)),
        PendingTicket(102, 1, (), sla_due_at=NOW + timedelta(hours=3)),
    ]
    plan = plan_distribution(tickets, agents)
    chosen = {a.ticket_id: a.agent_id for a in plan.assignments}
    # refund -> the refunds expert despite load; then least loaded 1 (0), then 1 (1/5) vs 3 (1/5):
    # tie on ratio and load -> lowest id
    assert chosen == {100: 2, 101: 1, 102: 1}
    assert plan.by_ticket()[100].matched_skills == ("refunds",)
    assert plan.loads == {1: 2, 2: 4, 3: 1}
    assert plan.unplaced == ()


def test_most_urgent_ticket_is_placed_first_when_capacity_is_short() -> None:
    agents = [agent(1, load=4, capacity=5)]
    tickets = [
        PendingTicket(1, 1, priority=Priority.LOW, sla_due_at=NOW + timedelta(hours=5)),
        PendingTicket(2, 1, priority=Priority.URGENT, sla_due_at=NOW + timedelta(minutes=5)),
        PendingTicket(3, 1, priority=Priority.URGENT),
    ]
    plan = plan_distribution(tickets, agents)
    assert [a.ticket_id for a in plan.assignments] == [2]
    assert {u.ticket_id: u.reason for u in plan.unplaced} == {
        1: "every available agent is at capacity",
        3: "every available agent is at capacity",
    }


def test_unavailable_and_other_groups_are_never_chosen() -> None:
    agents = [
        agent(1, availability="away"),
        agent(2, availability="offline"),
        agent(3, active=False),
        agent(4, groups=(2,)),
    ]
    plan = plan_distribution([PendingTicket(1, 1), PendingTicket(2, 3)], agents)
    assert plan.assignments == ()
    assert {u.ticket_id: u.reason for u in plan.unplaced} == {
        1: "no available agent in the group",
        2: "no agent in the ticket's group",
    }


SKILLS = ("refunds", "shipping", "api", "french")
TAGS = ("refund", "delivery", "api", "vip", "french", "other")

candidates = st.builds(
    lambda i, load, cap, groups, skills, avail, active: Candidate(
        i, f"A{i}", avail, cap, load, frozenset(groups), frozenset(skills), active
    ),
    st.integers(1, 10_000),
    st.integers(0, 12),
    st.integers(0, 10),
    st.sets(st.integers(1, 3), max_size=3),
    st.sets(st.sampled_from(SKILLS), max_size=3),
    st.sampled_from(list(Availability)),
    st.booleans(),
)
pending = st.builds(
    PendingTicket,
    st.integers(1, 1_000_000),
    st.one_of(st.none(), st.integers(1, 3)),
    st.lists(st.sampled_from(TAGS), max_size=3).map(tuple),
    st.sampled_from(list(Priority)),
    st.one_of(st.none(), st.integers(-600, 600).map(lambda m: NOW + timedelta(minutes=m))),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(candidates, max_size=8, unique_by=lambda a: a.id),
    st.lists(pending, max_size=40, unique_by=lambda t: t.id),
)
def test_plan_respects_capacity_availability_and_groups(
    agents: list[Candidate], tickets: list[PendingTicket]
) -> None:
    plan = plan_distribution(tickets, agents)
    by_id = {a.id: a for a in agents}
    tickets_by_id = {t.id: t for t in tickets}
    # every ticket is either assigned once or unplaced once
    placed = [a.ticket_id for a in plan.assignments] + [u.ticket_id for u in plan.unplaced]
    assert sorted(placed) == sorted(tickets_by_id)
    extra = Counter(a.agent_id for a in plan.assignments)
    for agent_id, count in extra.items():
        chosen = by_id[agent_id]
        assert chosen.available, "assigned to an unavailable agent"
        assert chosen.load + count <= chosen.capacity, "capacity exceeded"
        assert plan.loads[agent_id] == chosen.load + count
    for assignment in plan.assignments:
        group = tickets_by_id[assignment.ticket_id].group_id
        assert group is None or group in by_id[assignment.agent_id].group_ids
        assert assignment.load_after <= assignment.capacity
    # nothing is left unplaced while an eligible agent still had room at the end
    for item in plan.unplaced:
        group = tickets_by_id[item.ticket_id].group_id
        for a in agents:
            if a.available and (group is None or group in a.group_ids):
                assert plan.loads[a.id] >= a.capacity
