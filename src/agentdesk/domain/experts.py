"""Who to pull onto a hard case: experts ranked for a ticket (pure).

Score = skill match (ticket tags found in the agent's skills, 3 points each; the ticket's
group among the agent's groups, 2 points) + availability (available 2, away 0.5, offline 0)
- load (open tickets assigned, relative to capacity, up to 2 points); best score first, ties
by name. The ticket's assignee, excluded ids and inactive agents are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

AVAILABILITY_POINTS = {"available": 2.0, "away": 0.5, "offline": 0.0}


@dataclass(frozen=True, slots=True)
class Expert:
    agent_id: int
    name: str
    score: float
    matched_skills: tuple[str, ...]
    in_group: bool
    availability: str
    load: int
    capacity: int


def _norm(word: str) -> str:
    return word.strip().casefold().replace("_", "-")


def rank_experts(
    ticket: Mapping[str, Any],
    agents: Iterable[Mapping[str, Any]],
    open_load: Mapping[int, int],
    *,
    exclude: Iterable[int] = (),
    limit: int | None = None,
) -> list[Expert]:
    """Agents ranked for `ticket` (best first); `open_load`: open tickets per agent id."""
    skipped = set(exclude)
    if ticket.get("assignee_id") is not None:
        skipped.add(int(ticket["assignee_id"]))
    tags = {_norm(str(tag)) for tag in ticket.get("tags") or []}
    group_id = ticket.get("group_id")
    ranked: list[Expert] = []
    for agent in agents:
        agent_id = int(agent["id"])
        if agent_id in skipped or not agent.get("active", True):
            continue
        skills = tuple(str(skill) for skill in agent.get("skills") or [])
        matched = tuple(skill for skill in skills if _norm(skill) in tags)
        in_group = group_id is not None and group_id in (agent.get("group_ids") or [])
        availability = str(getattr(agent.get("availability"), "value", agent.get("availability")))
        load = int(open_load.get(agent_id, 0))
        capacity = max(int(agent.get("capacity") or 1), 1)
        score = (
            3.0 * len(matched)
            + (2.0 if in_group else 0.0)
            + AVAILABILITY_POINTS.get(availability, 0.0)
            - min(load / capacity, 1.0) * 2.0
        )
        expert = Expert(
            agent_id,
            str(agent.get("name") or ""),
            round(score, 3),
            matched,
            in_group,
            availability,
            load,
            capacity,
        )
        ranked.append(expert)
    ranked.sort(key=lambda e: (-e.score, e.name.casefold(), e.agent_id))
    return ranked if limit is None else ranked[:limit]
