"""Expert ranking (pure): skills vs tags and group, availability, load."""

from __future__ import annotations

from agentdesk.domain.experts import rank_experts


def agent(agent_id: int, name: str, **fields: object) -> dict[str, object]:
    return {
        "id": agent_id,
        "name": name,
        "skills": [],
        "group_ids": [],
        "availability": "available",
        "capacity": 10,
        "active": True,
        **fields,
    }


TICKET = {"tags": ["billing", "sso"], "group_id": 7, "assignee_id": 1}


def test_skills_then_group_then_availability_and_load() -> None:
    agents = [
        agent(1, "Owner", skills=["billing"]),  # the assignee: never suggested
        agent(2, "Nobody"),
        agent(3, "Grouped", group_ids=[7]),
        agent(4, "Billing", skills=["Billing"]),
        agent(5, "Both", skills=["billing", "sso"]),
        agent(6, "Busy", skills=["billing", "sso"], availability="offline"),
        agent(7, "Gone", skills=["billing", "sso"], active=False),
    ]
    ranked = rank_experts(TICKET, agents, {5: 5})
    # Both 3+3 skills +2 available -1 half loaded; Busy 6 but offline; Billing 3+2
    assert [e.name for e in ranked] == ["Both", "Busy", "Billing", "Grouped", "Nobody"]
    both = next(e for e in ranked if e.name == "Both")
    assert both.matched_skills == ("billing", "sso") and both.load == 5
    assert ranked[-1].matched_skills == () and not ranked[-1].in_group


def test_exclude_and_limit() -> None:
    agents = [agent(n, f"A{n}", group_ids=[7]) for n in range(2, 8)]
    ranked = rank_experts(TICKET, agents, {}, exclude=[2, 3], limit=2)
    assert [e.agent_id for e in ranked] == [4, 5]
