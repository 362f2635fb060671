"""The reassignment picker: fuzzy agent choice showing load, availability and matching skills.

It extends the app's `ChoiceDialog` (type to filter, `enter` assigns, `esc` cancels) with
richer rows built from the workload board:

    Ada Agent      ● available   2/3 open  ▕██████░░░▏  2 due < 1 h   skills: refunds ✓

Leads and admins may pick anyone of the tickets' groups (matching skills first, then
available, then least loaded); an agent may only take the tickets or give them back, which
is all the server allows them (see docs/protocol.md, roles).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agentdesk.domain.enums import Availability, Role
from agentdesk.domain.routing import matching_skills, ticket_skills
from agentdesk.domain.text import one_line
from agentdesk.tui.screens.dialogs import DIALOG_CSS, ChoiceDialog

if TYPE_CHECKING:  # type-only: the reports module is not needed for the first frame
    from agentdesk.store.reports import AgentLoad, Workload

UNASSIGNED = -1  # the picker's value for "nobody" (same as the app's)

AVAILABILITY_SYMBOL = {
    Availability.AVAILABLE.value: "● available",
    Availability.AWAY.value: "◐ away",
    Availability.OFFLINE.value: "○ offline",
}


def capacity_bar(used: int, capacity: int, width: int = 8) -> str:
    """`▕████░░░░▏`: open tickets against capacity (full and marked `+` when over)."""
    over_capacity = used > max(capacity, 0)
    filled = width if over_capacity else round(width * used / capacity) if capacity > 0 else 0
    bar = "█" * filled + "░" * (width - filled)
    over = "+" if over_capacity else " "
    return f"▕{bar}▏{over}"


@dataclass(frozen=True, slots=True)
class PickerEntry:
    value: int  # an agent id or UNASSIGNED
    label: str
    matched: tuple[str, ...] = ()


def lead_entries(
    board: Workload,
    ticket_tags: Iterable[Sequence[str]],
    group_ids: Iterable[int | None],
    me_id: int | None,
) -> list[PickerEntry]:
    """Every active agent of the tickets' groups (or of the board), best candidates first."""
    groups = {g for g in group_ids if g is not None}
    known = {skill for agent in board.agents for skill in agent.skills}
    wanted: set[str] = set()
    for tags in ticket_tags:
        wanted |= ticket_skills(tags, known)
    agents = [a for a in board.agents if not groups or groups & set(a.group_ids)]

    def order(agent: AgentLoad) -> tuple[int, int, float, str]:
        matched = len(matching_skills(agent.skills, wanted))
        available = agent.availability == Availability.AVAILABLE.value
        return (-matched, 0 if available else 1, agent.utilisation, agent.name.casefold())

    entries = [
        PickerEntry(a.agent_id, agent_label(a, wanted, a.agent_id == me_id), _matched(a, wanted))
        for a in sorted(agents, key=order)
    ]
    entries.append(PickerEntry(UNASSIGNED, "Nobody (unassign)"))
    return entries


def _matched(agent: AgentLoad, wanted: Iterable[str]) -> tuple[str, ...]:
    return tuple(matching_skills(agent.skills, wanted))


def agent_label(agent: AgentLoad, wanted: Iterable[str], is_me: bool = False) -> str:
    name = one_line(agent.name, 22) + (" (me)" if is_me else "")
    availability = AVAILABILITY_SYMBOL.get(agent.availability, agent.availability)
    load = f"{agent.open}/{agent.capacity} open"
    matched = set(_matched(agent, wanted))
    skills = ", ".join(
        f"{one_line(skill, 20)} ✓" if skill in matched else one_line(skill, 20)
        for skill in sorted(agent.skills, key=lambda s: (s not in matched, s))
    )
    due = f"{agent.breaching} due < 1 h" if agent.breaching else ""
    parts = [
        f"{name:<27}",
        f"{availability:<12}",
        f"{load:>10}",
        capacity_bar(agent.open, agent.capacity),
        f"{due:<13}",
    ]
    if skills:
        parts.append(f"skills: {skills}")
    return " ".join(parts)


def agent_entries(me: dict[str, object] | None) -> list[PickerEntry]:
    """What an agent may do: take the tickets, or give them back."""
    entries = []
    if me is not None:
        entries.append(PickerEntry(int(str(me["id"])), f"Me ({one_line(str(me.get('name')), 40)})"))
    entries.append(PickerEntry(UNASSIGNED, "Nobody (unassign)"))
    return entries


def is_lead(me: dict[str, object] | None) -> bool:
    """Leads and admins get the team-lead actions (the server enforces the same rule)."""
    return me is not None and str(me.get("role")) in (Role.LEAD.value, Role.ADMIN.value)


class AgentPicker(ChoiceDialog[int]):
    """Choose who gets the tickets; returns an agent id, `UNASSIGNED`, or None (cancelled)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="AgentPicker").replace("width: 64;", "width: 120;")

    def __init__(
        self, title: str, entries: Sequence[PickerEntry], *, current: int | None = None
    ) -> None:
        super().__init__(
            title,
            [(entry.label, entry.value) for entry in entries],
            current=current,
            filter_placeholder="type a name, a skill or 'available' to filter",
        )
        self.entries = list(entries)
        # ChoiceDialog cuts labels at 80 characters; these rows are wider: keep them whole.
        self.choices = [(entry.label, entry.value) for entry in entries]
