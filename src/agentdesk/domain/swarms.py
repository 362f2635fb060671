"""Case-swarm rules shared by the server, the cache and the clients (pure).

`@name` mentions: a word after `@` names an agent by first name, full name without spaces,
or the local part of their e-mail (case-insensitive). The closing note posted to the ticket
credits every member by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MENTION = re.compile(r"(?<![\w@])@([\w][\w.\-]*)")


def _handles(agent: Mapping[str, Any]) -> set[str]:
    name = str(agent.get("name") or "").strip()
    email = str(agent.get("email") or "")
    handles = {name.casefold().replace(" ", "")}
    if name:
        handles.add(name.split()[0].casefold())
    if "@" in email:
        handles.add(email.split("@", 1)[0].casefold())
    handles.discard("")
    return handles


def mention_handle(agent: Mapping[str, Any]) -> str:
    """The handle to type after `@` for `agent` (its e-mail's local part, else first name)."""
    email = str(agent.get("email") or "")
    if "@" in email:
        return email.split("@", 1)[0]
    name = str(agent.get("name") or "").split()
    return name[0] if name else str(agent.get("id", ""))


def mentioned_agents(body: str, agents: Iterable[Mapping[str, Any]]) -> list[int]:
    """Ids of the agents `body` mentions with `@name`, in order of first mention."""
    words = [match.group(1).rstrip(".-").casefold() for match in MENTION.finditer(body)]
    if not words:
        return []
    candidates = [(int(agent["id"]), _handles(agent)) for agent in agents]
    found: list[int] = []
    for word in words:
        for agent_id, handles in candidates:
            if word in handles and agent_id not in found:
                found.append(agent_id)
    return found


def closing_note(summary: str, member_names: Iterable[str]) -> str:
    """The internal note a closed swarm leaves on its ticket."""
    names = ", ".join(name for name in member_names if name) or "nobody else"
    return f"Swarm outcome: {summary.strip()}\n\nSwarmed with: {names}"
