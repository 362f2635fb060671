"""The distribution planner: who should take each unassigned ticket. Pure functions, no I/O.

Rules, in order, for each ticket (most urgent SLA first, then highest priority, then oldest):

1. Only *available* agents, active, in the ticket's group (a groupless ticket: any group of
   the candidates), whose load is below their capacity. Never anyone else.
2. Skills first: the candidates matching the most of the ticket's skills (see
   `ticket_skills`) win.
3. Then the least loaded: lowest `load / capacity`, then lowest load, then lowest id.

Each assignment adds one to that agent's load, so capacity holds across the whole plan.
A ticket nobody may take stays unassigned, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from agentdesk.domain.enums import Availability, Priority

# Ticket tags that stand for a skill under another name (the reference server's vocabulary).
TAG_SKILLS: Mapping[str, str] = {
    "delivery": "shipping",
    "late": "shipping",
    "address-change": "shipping",
    "damaged": "returns",
    "wrong-item": "returns",
    "dispute": "disputes",
    "gdpr": "privacy",
    "feature-request": "product",
    "export": "product",
    "outage": "outages",
    "incident": "outages",
    "2fa": "security",
    "discount": "payments",
    "payment": "payments",
    "upgrade": "sales",
    "integration": "api",
    "email-change": "login",
    "account": "login",
    "cancellation": "retention",
    "churn-risk": "retention",
    "invoice": "invoices",
    "refund": "refunds",
    "bug": "bugs",
    "return": "returns",
}


def _stem(word: str) -> str:
    word = word.strip().lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def ticket_skills(tags: Iterable[str], known_skills: Iterable[str]) -> frozenset[str]:
    """The skills a ticket asks for: tags naming a known skill (`refund` ~ `refunds`) or
    mapped by `TAG_SKILLS`."""
    by_stem = {_stem(skill): skill for skill in known_skills}
    wanted: set[str] = set()
    for tag in tags:
        mapped = TAG_SKILLS.get(tag.strip().lower())
        for candidate in (tag, mapped):
            if candidate is not None and _stem(candidate) in by_stem:
                wanted.add(by_stem[_stem(candidate)])
    return frozenset(wanted)


def matching_skills(agent_skills: Iterable[str], wanted: Iterable[str]) -> list[str]:
    """The agent's skills among `wanted`, sorted (for display)."""
    wanted_stems = {_stem(skill) for skill in wanted}
    return sorted(skill for skill in agent_skills if _stem(skill) in wanted_stems)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An agent as the planner sees them: `load` is their current open tickets."""

    id: int
    name: str
    availability: Availability | str
    capacity: int
    load: int
    group_ids: frozenset[int] = frozenset()
    skills: frozenset[str] = frozenset()
    active: bool = True

    @property
    def available(self) -> bool:
        return self.active and Availability(self.availability) is Availability.AVAILABLE


@dataclass(frozen=True, slots=True)
class PendingTicket:
    id: int
    group_id: int | None
    tags: tuple[str, ...] = ()
    priority: Priority | str = Priority.NORMAL
    sla_due_at: datetime | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    ticket_id: int
    agent_id: int
    agent_name: str
    matched_skills: tuple[str, ...]
    load_after: int  # the agent's load once this ticket is theirs
    capacity: int


@dataclass(frozen=True, slots=True)
class Unplaced:
    ticket_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    assignments: tuple[Assignment, ...]
    unplaced: tuple[Unplaced, ...]
    loads: dict[int, int] = field(default_factory=dict)  # agent id -> load after the plan

    def by_ticket(self) -> dict[int, Assignment]:
        return {a.ticket_id: a for a in self.assignments}


def urgency_key(ticket: PendingTicket) -> tuple[int, str, int, str, int]:
    """Sort key: SLA due soonest first (none last), then priority, then oldest, then id."""
    due = ticket.sla_due_at
    created = ticket.created_at
    return (
        due is None,
        due.isoformat() if due else "",
        -Priority(ticket.priority).rank,
        created.isoformat() if created else "",
        ticket.id,
    )


def plan_distribution(tickets: Sequence[PendingTicket], agents: Sequence[Candidate]) -> Plan:
    """Propose an agent for each ticket under the module's rules (see the docstring)."""
    loads = {agent.id: agent.load for agent in agents}
    known_skills = {skill for agent in agents for skill in agent.skills}
    assignments: list[Assignment] = []
    unplaced: list[Unplaced] = []
    for ticket in sorted(tickets, key=urgency_key):
        in_group = [a for a in agents if ticket.group_id is None or ticket.group_id in a.group_ids]
        if not in_group:
            unplaced.append(Unplaced(ticket.id, "no agent in the ticket's group"))
            continue
        available = [a for a in in_group if a.available]
        if not available:
            unplaced.append(Unplaced(ticket.id, "no available agent in the group"))
            continue
        free = [a for a in available if loads[a.id] < a.capacity]
        if not free:
            unplaced.append(Unplaced(ticket.id, "every available agent is at capacity"))
            continue
        wanted = ticket_skills(ticket.tags, known_skills)

        def rank(agent: Candidate, wanted: frozenset[str] = wanted) -> tuple[int, float, int, int]:
            matched = len(matching_skills(agent.skills, wanted))
            return (-matched, loads[agent.id] / agent.capacity, loads[agent.id], agent.id)

        chosen = min(free, key=rank)
        loads[chosen.id] += 1
        assignments.append(
            Assignment(
                ticket_id=ticket.id,
                agent_id=chosen.id,
                agent_name=chosen.name,
                matched_skills=tuple(matching_skills(chosen.skills, wanted)),
                load_after=loads[chosen.id],
                capacity=chosen.capacity,
            )
        )
    return Plan(tuple(assignments), tuple(unplaced), loads)
