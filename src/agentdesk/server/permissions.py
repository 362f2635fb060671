"""Who may see and change what: the role rules of docs/protocol.md, as pure functions.

agent: sees tickets of their groups and every ticket assigned to them; changes tickets
assigned to them or unassigned in their groups; may assign only to themselves or to nobody.
lead: sees as an agent; changes any ticket of their groups (or assigned to them) and may
assign to any agent, and move tickets between their groups.
admin: everything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agentdesk.domain.enums import Role


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated agent of a request."""

    agent_id: int
    role: Role
    group_ids: frozenset[int]
    name: str = ""
    email: str = ""
    token_hash: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_lead(self) -> bool:
        return self.role is Role.LEAD

    def scope_key(self) -> str:
        """Changes whenever what this caller may see changes (role, groups): cursors carry it."""
        groups = ",".join(str(group) for group in sorted(self.group_ids))
        raw = f"{self.agent_id}|{self.role.value}|{groups}"
        return hashlib.sha256(raw.encode()).hexdigest()[:12]


def can_see_ticket(caller: Caller, ticket: Mapping[str, Any]) -> bool:
    if caller.is_admin:
        return True
    return ticket.get("assignee_id") == caller.agent_id or ticket.get("group_id") in (
        caller.group_ids
    )


def can_change_ticket(caller: Caller, ticket: Mapping[str, Any]) -> bool:
    """May the caller change this ticket as it is now (fields, tags, messages, assignment)?"""
    if caller.is_admin:
        return True
    if ticket.get("assignee_id") == caller.agent_id:
        return True
    in_group = ticket.get("group_id") in caller.group_ids
    if caller.is_lead:
        return in_group
    return in_group and ticket.get("assignee_id") is None


def change_denied_reason(caller: Caller) -> str:
    if caller.is_lead:
        return "leads may only change tickets of their groups"
    return "agents may only change tickets assigned to them or unassigned in their groups"


def assign_target_error(caller: Caller, target: int | None) -> str | None:
    """Why the caller may not assign to `target` whatever the ticket (None: allowed)."""
    if caller.is_admin or caller.is_lead:
        return None
    if target is None or target == caller.agent_id:
        return None
    return "agents may only assign tickets to themselves"


def group_move_error(caller: Caller, target_group: int | None) -> str | None:
    """Why the caller may not move a ticket into `target_group` (None: allowed)."""
    if caller.is_admin:
        return None
    if caller.is_lead:
        if target_group is not None and target_group in caller.group_ids:
            return None
        return "leads may only move tickets between their own groups"
    return "agents may not move tickets between groups"


def can_see_owned(caller: Caller, owner_id: int | None) -> bool:
    """Canned responses and saved views: shared ones (no owner) and the caller's own."""
    return owner_id is None or owner_id == caller.agent_id or caller.is_admin
